import { handle } from "hono/aws-lambda";
import * as SecurityGroup from "../../../core/inventory/security-group.ts";
import { inventoryApi } from "./crud.ts";

export const app = inventoryApi({
  path: "/v1/security-groups",
  name: "SecurityGroup",
  label: "security group",
  exampleId: "sg-1a2b3c4d",
  info: SecurityGroup.Info,
  createInput: SecurityGroup.CreateInput,
  updateInput: SecurityGroup.UpdateInput,
  ops: SecurityGroup,
});

export const handler = handle(app);
