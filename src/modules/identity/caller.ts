/**
 * caller.ts describes who is making a request once authentication has run: the organisation the
 * credential belongs to, the principal (an API key or a signed-in user) and the scopes it holds.
 */

/** Principal is the credential behind a request. */
export type Principal =
  | { kind: "api_key"; apiKeyId: string }
  | {
      kind: "user";
      userId: string;
      role: "admin" | "member" | "viewer";
      sessionId: string;
      /**
       * The organisation requires TOTP of admins and this admin has none confirmed: the session may
       * only enrol (authorize.ts refuses everything else with TOTP_ENROLMENT_REQUIRED).
       */
      totpEnrolmentRequired?: boolean;
    };

/** Caller is what every interceptor after authenticate, and every handler, knows of the requester. */
export interface Caller {
  organisationId: string;
  /** Sandbox organisations use dd_test_ keys and may run the simulators. */
  sandbox: boolean;
  principal: Principal;
  /** Scope names ("mandates:read", …) the credential holds. */
  scopes: ReadonlySet<string>;
}
