/** alertTypes.ts names what each alert and threshold watches, as staff read it. */
import { AlertType } from "../../../../gen/dd/v1/alerts_pb.js";

export const alertTypeNames: Readonly<Record<AlertType, string>> = {
  [AlertType.UNSPECIFIED]: "Unknown",
  [AlertType.COLLECTION_FAILURE_RATE]: "Collection failure rate",
  [AlertType.CLAWBACKS]: "Clawbacks",
  [AlertType.MANDATE_CANCELLATIONS]: "Mandate cancellations",
  [AlertType.COLLECTION_FAILED]: "Failed collection",
  [AlertType.WEBHOOK_ENDPOINT_DISABLED]: "Webhook endpoint disabled",
};
