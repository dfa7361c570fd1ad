/**
 * App decides what the console shows: the sign-in form until a session exists, then the shell with
 * the page the path names. Pages load on first visit (React.lazy), so the first load stays small.
 * A session that ends under the user (signed out elsewhere, deactivated) brings back the sign-in.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { createConnectQueryKey, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { lazy, type ReactNode, Suspense } from "react";
import { SessionService } from "../../../gen/dd/v1/sessions_pb.js";
import { problemOf } from "../shared/errors.js";
import { ProblemBanner } from "../shared/ProblemBanner.js";
import { SignIn } from "./pages/SignIn.js";
import { usePath } from "./router.js";
import { type NavItem, Shell } from "./Shell.js";
import { StaffContext, staffOf } from "./session.js";

const ApiKeys = lazy(() => import("./pages/ApiKeys.js"));
const Mandates = lazy(() => import("./pages/Mandates.js"));
const Collections = lazy(() => import("./pages/Collections.js"));
const Alerts = lazy(() => import("./pages/Alerts.js"));

interface Route extends NavItem {
  page: () => ReactNode;
}

const routes: readonly Route[] = [
  { path: "/mandates", label: "Mandates", page: () => <Mandates /> },
  { path: "/collections", label: "Collections", page: () => <Collections /> },
  { path: "/alerts", label: "Alerts", page: () => <Alerts /> },
  { path: "/api-keys", label: "API keys", adminOnly: true, page: () => <ApiKeys /> },
];

/** The session query's key without its transport: a filter that matches it (not an exact key). */
export const sessionKey = createConnectQueryKey({
  schema: SessionService.method.getCurrentSession,
  cardinality: "finite",
});

export function App() {
  const path = usePath();
  const queryClient = useQueryClient();
  const session = useQuery(SessionService.method.getCurrentSession, {}, { retry: false, staleTime: Infinity });
  const signOut = useMutation(SessionService.method.signOut, {
    onSettled: () => queryClient.clear(),
  });

  if (session.isPending) return <p className="loading">Loading…</p>;
  if (session.error) {
    if (ConnectError.from(session.error).code === Code.Unauthenticated)
      return <SignIn onSignedIn={() => void queryClient.invalidateQueries({ queryKey: sessionKey })} />;
    return (
      <main className="narrow">
        <ProblemBanner problem={problemOf(session.error)} onRetry={() => void session.refetch()} />
      </main>
    );
  }
  const staff = staffOf(session.data);
  const route = routes.find((r) => path === r.path || path.startsWith(`${r.path}/`)) ?? routes[0]!;
  return (
    <StaffContext.Provider value={staff}>
      <Shell nav={routes} onSignOut={() => signOut.mutate({})} signingOut={signOut.isPending}>
        {route.adminOnly && !staff.isAdmin ? (
          <p>Only admins can open this page.</p>
        ) : (
          <Suspense fallback={<p className="loading">Loading…</p>}>{route.page()}</Suspense>
        )}
      </Shell>
    </StaffContext.Provider>
  );
}
