import * as ConnectionBatch from "./connection-batch.ts";
import * as EndpointServiceDeletion from "./service-delete.ts";

/** Operations that span services and their connections. */
/* Imported as `import * as PrivateLink`: a bundle keeps only the functions its route calls. */

/**
 * Deletes a service: refused with ResourceInUse while a connection is live, unless
 * `rejectConnections`, which rejects them (each with its history entry) and then deletes.
 */
export async function deleteService(
  providerUin: string,
  serviceId: string,
  rejectConnections: boolean,
): Promise<void> {
  await EndpointServiceDeletion.remove(providerUin, serviceId, { rejectConnections }, async (service) => {
    await ConnectionBatch.rejectLive(providerUin, service.id, "endpoint service deleted");
  });
}
