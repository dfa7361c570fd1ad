/**
 * Shell is the signed-in frame: the organisation (with a sandbox badge), the user and their role,
 * sign-out, and the navigation, which shows admins' pages to admins only.
 */
import type { ReactNode } from "react";
import { Link } from "./router.js";
import { roleName, useStaff } from "./session.js";

export interface NavItem {
  path: string;
  label: string;
  adminOnly?: boolean;
  /** false for pages reached from elsewhere (the account page, from the header). */
  inNav?: boolean;
}

export function Shell({
  nav,
  onSignOut,
  signingOut,
  children,
}: {
  nav: readonly NavItem[];
  onSignOut: () => void;
  signingOut: boolean;
  children: ReactNode;
}) {
  const staff = useStaff();
  const { session } = staff;
  return (
    <div className="shell">
      <header className="topbar">
        <div className="org">
          <strong>{session.organisationName}</strong>
          {session.sandbox && <span className="badge badge-sandbox">Sandbox</span>}
        </div>
        <div className="who">
          <Link to="/account" className="account-link">
            {session.user?.email}
          </Link>
          <span className="badge">{roleName(session.user?.role)}</span>
          <button type="button" onClick={onSignOut} disabled={signingOut}>
            Sign out
          </button>
        </div>
      </header>
      <nav aria-label="Console" className="sidenav">
        <ul>
          {nav
            .filter((item) => item.inNav !== false && (staff.isAdmin || !item.adminOnly))
            .map((item) => (
              <li key={item.path}>
                <Link to={item.path}>{item.label}</Link>
              </li>
            ))}
        </ul>
      </nav>
      <main className="content">{children}</main>
    </div>
  );
}
