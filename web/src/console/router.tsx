/**
 * router.tsx is the console's whole router: the path under /console/, links that push history, and
 * the back button. A dozen pages need nothing more than this.
 */
import { type AnchorHTMLAttributes, createContext, type MouseEvent, useContext, useEffect, useState } from "react";

const base = "/console";

const PathContext = createContext<string>("/");

/** PathProvider keeps the current path (without /console) in step with the address bar. */
export function PathProvider({ children }: { children: React.ReactNode }) {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const update = () => setPath(currentPath());
    window.addEventListener("popstate", update);
    window.addEventListener("console:navigate", update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener("console:navigate", update);
    };
  }, []);
  return <PathContext.Provider value={path}>{children}</PathContext.Provider>;
}

/** usePath is the current path under /console, starting with "/" ("/api-keys"). */
export function usePath(): string {
  return useContext(PathContext);
}

/**
 * navigate moves to a console path ("/mandates/MD…") without reloading; `replace` drops the page
 * left from history (a spent single-use link must not come back with the Back button).
 */
export function navigate(path: string, { replace = false } = {}): void {
  if (replace) window.history.replaceState(null, "", `${base}${path}`);
  else window.history.pushState(null, "", `${base}${path}`);
  window.dispatchEvent(new Event("console:navigate"));
  window.scrollTo(0, 0);
}

/** Link is an anchor to a console path: a real href (open in a new tab works), pushed in place. */
export function Link({ to, ...rest }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={`${base}${to}`} onClick={onClick} aria-current={usePath() === to ? "page" : undefined} {...rest} />;
}

function currentPath(): string {
  const path = window.location.pathname.startsWith(base) ? window.location.pathname.slice(base.length) : "/";
  return path === "" ? "/" : path;
}
