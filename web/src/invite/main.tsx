/** The payer page's entry: its own small bundle, no console code. */
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "../shared/base.css";
import { InvitePage } from "./InvitePage.js";

// /invite/<token>: the token is the last path segment; the page sends no Referer (see invite.html).
const segment = window.location.pathname.split("/")[2] ?? "";
// A broken %-sequence names no invite: the page then says the link is not valid.
const token = /%(?![0-9A-Fa-f]{2})/.test(segment) ? "" : decodeURIComponent(segment);

const root = document.getElementById("root");
if (root)
  createRoot(root).render(
    <StrictMode>
      <main className="narrow">
        <InvitePage token={token} />
      </main>
    </StrictMode>,
  );
