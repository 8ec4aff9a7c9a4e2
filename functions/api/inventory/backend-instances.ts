import { handle } from "hono/aws-lambda";
import * as BackendInstance from "../../../core/inventory/backend.ts";
import { inventoryApi } from "./crud.ts";

export const app = inventoryApi({
  path: "/v1/backend-instances",
  name: "BackendInstance",
  label: "backend instance",
  exampleId: "lb-1a2b3c4d",
  info: BackendInstance.Info,
  createInput: BackendInstance.CreateInput,
  updateInput: BackendInstance.UpdateInput,
  ops: BackendInstance,
});

export const handler = handle(app);
