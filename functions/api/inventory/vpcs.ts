import { handle } from "hono/aws-lambda";
import * as Vpc from "../../../core/inventory/vpc.ts";
import { inventoryApi } from "./crud.ts";

export const app = inventoryApi({
  path: "/v1/vpcs",
  name: "Vpc",
  label: "VPC",
  exampleId: "vpc-1a2b3c4d",
  info: Vpc.Info,
  createInput: Vpc.CreateInput,
  updateInput: Vpc.UpdateInput,
  ops: Vpc,
});

export const handler = handle(app);
