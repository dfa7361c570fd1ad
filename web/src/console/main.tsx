/** The console's entry: the query cache, the Connect transport, the path. */
import { Code, ConnectError } from "@connectrpc/connect";
import { TransportProvider } from "@connectrpc/connect-query";
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "../shared/base.css";
import "./console.css";
import { sameOriginTransport } from "../shared/transport.js";
import { App } from "./App.js";
import { PathProvider } from "./router.js";
import { sessionKey } from "./session.js";

// A call answered UNAUTHENTICATED while signed in means the session is gone (signed out elsewhere,
// deactivated, expired): forget it, and App shows sign-in. Signed out, there is nothing to forget.
const onError = (error: unknown) => {
  const signedIn = queryClient.getQueriesData({ queryKey: sessionKey }).some(([, data]) => data !== undefined);
  if (ConnectError.from(error).code === Code.Unauthenticated && signedIn)
    void queryClient.resetQueries({ queryKey: sessionKey });
};
const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError }),
  mutationCache: new MutationCache({ onError }),
  defaultOptions: {
    // A finished call's variables and answer (passwords, a new key's secret, a TOTP setup key) are
    // not kept once its component has gone.
    mutations: { gcTime: 0 },
    queries: {
      staleTime: 10_000,
      // A refusal will not change by asking again; a lost connection might.
      retry: (count, error) => count < 2 && [Code.Unavailable, Code.Unknown].includes(ConnectError.from(error).code),
    },
  },
});

const root = document.getElementById("root");
if (root)
  createRoot(root).render(
    <StrictMode>
      <TransportProvider transport={sameOriginTransport()}>
        <QueryClientProvider client={queryClient}>
          <PathProvider>
            <App />
          </PathProvider>
        </QueryClientProvider>
      </TransportProvider>
    </StrictMode>,
  );
