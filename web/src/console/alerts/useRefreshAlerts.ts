/** useRefreshAlerts refetches everything AlertService answered: alerts, thresholds, notifications. */
import { createConnectQueryKey } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { AlertService } from "../../../../gen/dd/v1/alerts_pb.js";

export function useRefreshAlerts(): () => Promise<void> {
  const queryClient = useQueryClient();
  return () =>
    queryClient.invalidateQueries({
      queryKey: createConnectQueryKey({ schema: AlertService, cardinality: undefined }),
    });
}
