/**
 * App decides what the console shows: the sign-in form until a session exists, then the shell with
 * the page the path names. Pages load on first visit (React.lazy), so the first load stays small.
 * A session that ends under the user (signed out elsewhere, deactivated) brings back the sign-in.
 * The welcome page comes before all that: a new member opens it without a session.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { lazy, type ReactNode, Suspense } from "react";
import { SessionService } from "../../../gen/dd/v1/sessions_pb.js";
import { problemOf } from "../shared/errors.js";
import { ProblemBanner } from "../shared/ProblemBanner.js";
import { SignIn } from "./pages/SignIn.js";
import { navigate, usePath } from "./router.js";
import { type NavItem, Shell } from "./Shell.js";
import { StaffContext, sessionKey, staffOf } from "./session.js";

const Overview = lazy(() => import("./pages/Overview.js"));
const Reports = lazy(() => import("./pages/Reports.js"));
const ApiKeys = lazy(() => import("./pages/ApiKeys.js"));
const Account = lazy(() => import("./pages/Account.js"));
const Mandates = lazy(() => import("./pages/Mandates.js"));
const MandateDetail = lazy(() => import("./pages/MandateDetail.js"));
const Collections = lazy(() => import("./pages/Collections.js"));
const Alerts = lazy(() => import("./pages/Alerts.js"));
const Webhooks = lazy(() => import("./pages/Webhooks.js"));
const Team = lazy(() => import("./pages/Team.js"));
const AuditLog = lazy(() => import("./pages/AuditLog.js"));
const Welcome = lazy(() => import("./pages/Welcome.js"));

interface Route extends NavItem {
  /** The page for the path; `rest` is what follows the route's path ("MD…" for /mandates/MD…). */
  page: (rest: string) => ReactNode;
}

const routes: readonly Route[] = [
  { path: "/", label: "Overview", page: () => <Overview /> },
  {
    path: "/mandates",
    label: "Mandates",
    page: (rest) => (rest ? <MandateDetail mandateId={rest} /> : <Mandates />),
  },
  { path: "/collections", label: "Collections", page: () => <Collections /> },
  { path: "/alerts", label: "Alerts", page: () => <Alerts /> },
  { path: "/reports", label: "Reports", page: () => <Reports /> },
  { path: "/api-keys", label: "API keys", adminOnly: true, page: () => <ApiKeys /> },
  { path: "/webhooks", label: "Webhooks", adminOnly: true, page: () => <Webhooks /> },
  { path: "/team", label: "Team", adminOnly: true, page: () => <Team /> },
  { path: "/audit-log", label: "Audit log", adminOnly: true, page: () => <AuditLog /> },
  { path: "/account", label: "Your account", inNav: false, page: () => <Account /> },
];

const welcomePath = "/welcome/";

export function App() {
  const path = usePath();
  const queryClient = useQueryClient();
  if (path.startsWith(welcomePath))
    return (
      <Suspense fallback={<p className="loading">Loading…</p>}>
        <Welcome
          token={path.slice(welcomePath.length)}
          onSignedIn={() => {
            void queryClient.resetQueries({ queryKey: sessionKey });
            navigate("/", { replace: true });
          }}
        />
      </Suspense>
    );
  return <Console path={path} />;
}

/** Console is the console proper: sign-in without a session, the shell and a page with one. */
function Console({ path }: { path: string }) {
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
  const found = match(path);
  return (
    <StaffContext.Provider value={staff}>
      <Shell nav={routes} onSignOut={() => signOut.mutate({})} signingOut={signOut.isPending}>
        {staff.session.totpEnrolmentRequired ? (
          <Suspense fallback={<p className="loading">Loading…</p>}>
            <Account required />
          </Suspense>
        ) : !found ? (
          <h1>Page not found</h1>
        ) : found.route.adminOnly && !staff.isAdmin ? (
          <p>Only admins can open this page.</p>
        ) : (
          <Suspense fallback={<p className="loading">Loading…</p>}>{found.route.page(found.rest)}</Suspense>
        )}
      </Shell>
    </StaffContext.Provider>
  );
}

/** match finds the route for a path: its own path exactly, or a deeper one ("/mandates/MD…"). */
function match(path: string): { route: Route; rest: string } | undefined {
  for (const route of routes) {
    if (path === route.path) return { route, rest: "" };
    if (route.path !== "/" && path.startsWith(`${route.path}/`))
      return { route, rest: decoded(path.slice(route.path.length + 1)) };
  }
  return undefined;
}

/** decoded is a path segment decoded, or as it is when it holds a broken %-sequence. */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
