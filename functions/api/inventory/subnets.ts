import { handle } from "hono/aws-lambda";
import * as Subnet from "../../../core/inventory/subnet.ts";
import { inventoryApi } from "./crud.ts";

export const app = inventoryApi({
  path: "/v1/subnets",
  name: "Subnet",
  label: "subnet",
  exampleId: "subnet-1a2b3c4d",
  info: Subnet.Info,
  createInput: Subnet.CreateInput,
  updateInput: Subnet.UpdateInput,
  ops: Subnet,
});

export const handler = handle(app);
