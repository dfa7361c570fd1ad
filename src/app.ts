/**
 * app.ts assembles the domain services from the infrastructure: Redis when configured, otherwise the
 * in-process twins (one replica). The server, the tests and ddctl all build the same App.
 */
import { resolve } from "node:path";
import type { EntityManager, MikroORM } from "@mikro-orm/postgresql";
import { publishedTypes } from "./api/alerts/alert.mapper.js";
import type { Simulators } from "./api/sandbox/sandbox.handlers.js";
import { eventBodies } from "./api/webhooks/event-body.js";
import type { RateLimitConfig } from "./config.js";
import { AlertManager } from "./modules/alerts/alert.service.js";
import { AlertEvaluator } from "./modules/alerts/alert-evaluator.js";
import { addDefaultThresholds } from "./modules/alerts/alert-thresholds.js";
import { BankAccountCheck } from "./modules/bank-accounts/account-check.js";
import {
  defaultModulusTablesDir,
  loadModulusTables,
  type ModulusTables,
} from "./modules/bank-accounts/modulus-tables.js";
import { CollectionManager } from "./modules/collections/collection.service.js";
import { IdempotencyService } from "./modules/idempotency/idempotency.service.js";
import { IdempotencySweeper } from "./modules/idempotency/idempotency-sweeper.js";
import { ApiKeyManager } from "./modules/identity/api-key.service.js";
import { ApiKeyVerifier } from "./modules/identity/api-key-verifier.js";
import { DenialRecorder } from "./modules/identity/audit-log.js";
import { OrganisationSettings } from "./modules/identity/organisation-settings.js";
import { type PasswordCost, PasswordHasher } from "./modules/identity/password.js";
import { Provisioning } from "./modules/identity/provisioning.js";
import { SecondFactor } from "./modules/identity/second-factor.js";
import { SessionManager } from "./modules/identity/session.service.js";
import { UserAccounts } from "./modules/identity/user-accounts.js";
import { UserDirectory } from "./modules/identity/user-directory.js";
import { AccountNumberCipher, developmentAccountNumberKey } from "./modules/mandates/account-number-cipher.js";
import { InviteLinks } from "./modules/mandates/invite-links.js";
import type { Mandate } from "./modules/mandates/mandate.entity.js";
import { MandateRegistry } from "./modules/mandates/mandate-registry.js";
import { MandateTransitions } from "./modules/mandates/mandate-transitions.js";
import { PayerInvites } from "./modules/mandates/payer-invites.js";
import { PayerEmailOutbox } from "./modules/payer-notices/payer-email-outbox.js";
import { PayerNotices } from "./modules/payer-notices/payer-notices.js";
import { BacsProcessor } from "./modules/processing/bacs-processor.js";
import { ReportManager } from "./modules/reports/report.service.js";
import { CollectionSimulator } from "./modules/sandbox/collection-simulator.js";
import { MandateSimulator } from "./modules/sandbox/mandate-simulator.js";
import { WebhookDispatcher } from "./modules/webhooks/webhook-dispatcher.js";
import { WebhookEndpoints } from "./modules/webhooks/webhook-endpoints.js";
import { WebhookSender } from "./modules/webhooks/webhook-sender.js";
import type { Clock } from "./platform/clock.js";
import type { Mailer } from "./platform/mail/mailer.js";
import { OutboxMailer } from "./platform/mail/outbox-mailer.js";
import type { Logger } from "./platform/observability/logger.js";
import type { Metrics } from "./platform/observability/metrics.js";
import type { Limit } from "./platform/rate-limit/gcra.js";
import { RateLimiter } from "./platform/rate-limit/rate-limiter.js";
import type { RedisClient } from "./platform/redis/client.js";
import { createInProcessBus, createRedisBus } from "./platform/redis/invalidation-bus.js";
import { createInProcessCounter, createRedisCounter } from "./platform/redis/window-counter.js";
import { SecretCipher } from "./platform/secret-cipher.js";
import type { CredentialVerifier } from "./rpc/interceptors/authenticate.js";

export interface AppDeps {
  orm: MikroORM;
  logger: Logger;
  clock: Clock;
  /** Shared state across replicas; undefined means this process is the only replica. */
  redis: RedisClient | undefined;
  /** Prefix of every Redis key and channel, so deployments (and test runs) sharing a Redis never collide. */
  redisKeyPrefix: string;
  /** Browser origins allowed to call with a session cookie. */
  corsOrigins: readonly string[];
  sessionCookieSecure: boolean;
  rateLimit: RateLimitConfig;
  metrics: Metrics;
  /** Invite emails and links; unset: the outbox in ./.data/outbox, links to http://localhost:8080. */
  mail?: MailSettings | undefined;
  /**
   * Secret account numbers are sealed with (main resolves it: account-number-keys.ts); unset: the
   * development key, for tests and ddctl, which seal nothing.
   */
  accountNumberKey?: string | undefined;
  /** Earlier keys, for opening account numbers not yet re-encrypted. */
  accountNumberKeysOld?: readonly string[] | undefined;
  /**
   * scrypt cost of new password hashes (default currentPasswordCost, OWASP's): no setting lowers it
   * in production; test servers do, as a sign-in at full cost is a second of CPU.
   */
  passwordCost?: PasswordCost | undefined;
  /** Vocalink's modulus tables; unset: read from data/modulus (the copy in the repository). */
  modulusTables?: ModulusTables | undefined;
  /** How long a report's query may run, ms; unset keeps the connection's statement timeout. */
  reportStatementTimeoutMs?: number | undefined;
  /** Idempotency answers kept per organisation at most (default DEFAULT_MAX_RECORDS_PER_ORGANISATION). */
  idempotencyRecordsPerOrganisation?: number | undefined;
  /**
   * Bacs processing in the background: run every intervalMs between start() and stop(). Unset: not
   * started (tests drive `app.processor.runOnce(now)` themselves); main.ts always sets it.
   */
  bacsProcessing?: { intervalMs: number } | undefined;
  /**
   * Longest wait for Redis on a shared count (sign-in throttling) before this replica counts in
   * process alone, ms (default 100). Tests that count exactly on a loaded machine set it higher.
   */
  counterTimeoutMs?: number | undefined;
  /**
   * How long a verified API key is trusted without asking the database again, ms (default 30 s;
   * revocation reaches every replica over the invalidation channel before that). Tests that prove
   * the channel did it set it longer than they can run.
   */
  apiKeyCacheTtlMs?: number | undefined;
  /** Webhooks: the URL rules, and the dispatcher's pace; dispatch unset: not started (tests run it). */
  webhooks?: WebhookSettings | undefined;
}

/** WebhookSettings say where webhooks may go and how the dispatcher runs. */
export interface WebhookSettings {
  allowPrivateNetworks: boolean;
  /** Run the dispatcher between start() and stop(); unset: tests call `app.webhookDispatcher.runOnce()`. */
  dispatch?: { intervalMs?: number | undefined; retryBaseMs?: number | undefined } | undefined;
  /** Longest wait for a receiver's answer, ms (default 10 s). */
  timeoutMs?: number | undefined;
}

/** MailSettings say how emails leave and where the links in them point. */
export interface MailSettings {
  mailer: Mailer;
  /** Base of invite and welcome links, without a trailing slash. */
  publicBaseUrl: string;
}

/** App is everything the handlers and interceptors need beyond the transport. */
export interface App {
  clock: Clock;
  verifier: CredentialVerifier;
  apiKeyVerifier: ApiKeyVerifier;
  apiKeys: ApiKeyManager;
  /** Organisations and users (ddctl, the first embedded start, tests). */
  provisioning: Provisioning;
  sessions: SessionManager;
  /** Users' TOTP enrolment (SessionService.EnrollTotp, ConfirmTotp, DisableTotp). */
  secondFactor: SecondFactor;
  /** Role changes and deactivation, each ending the user's sessions (ddctl, and users through UserService). */
  userAccounts: UserAccounts;
  /** The organisation's staff as its admins manage them, and new users' welcome links (UserService). */
  users: UserDirectory;
  denials: DenialRecorder;
  sessionCookieSecure: boolean;
  limiter: RateLimiter;
  organisationSettings: OrganisationSettings;
  sessionLimit: Limit;
  /** Per client address, before authentication: failed authentications, and calls of public RPCs. */
  failedAuthLimit: Limit;
  publicLimit: Limit;
  /** Idempotency-Key records (claim, replay); swept in the background between start() and stop(). */
  idempotency: IdempotencyService;
  idempotencySweeper: IdempotencySweeper;
  /** Payer notices waiting to be sent, and the sweep that retries them. */
  payerEmails: PayerEmailOutbox;
  /** Mandates as the organisation records them: create, get, list, update (MandateService). */
  mandates: MandateRegistry;
  /** Sort code and account number checks, modulus check included (BankDetailsService, invites, sandbox). */
  bankAccounts: BankAccountCheck;
  /** Invites: resent by the organisation (MandateService), completed by the payer (MandateInviteService). */
  mandateInvites: PayerInvites;
  /** State changes: the organisation's (MandateService), Bacs processing's and the sandbox's. */
  mandateTransitions: MandateTransitions;
  /** Collection schedules and collections (CollectionService; materialiseDue for processing). */
  collections: CollectionManager;
  /** Alerts, thresholds and the notification feed (AlertService). */
  alerts: AlertManager;
  /** The sandbox's mandate and collection simulators (SandboxService). */
  simulators: Simulators;
  /** Collection reports, success rates and clawbacks (ReportService), computed in PostgreSQL. */
  reports: ReportManager;
  /** Bacs processing of mandates; runs on a timer between start() and stop() when configured. */
  processor: BacsProcessor;
  /** How emails leave (the outbox unless SMTP is configured). */
  mailer: Mailer;
  /** The organisation's webhook endpoints and their deliveries (WebhookEndpointService). */
  webhookEndpoints: WebhookEndpoints;
  /** Publishes events and delivers them; runs on a timer between start() and stop() when configured. */
  webhookDispatcher: WebhookDispatcher;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** createApp wires the services; call start() before serving and stop() after. */
export function createApp(deps: AppDeps): App {
  const { orm, logger, clock, redis, redisKeyPrefix } = deps;
  const bus = redis ? createRedisBus(redis, `${redisKeyPrefix}apikeys:invalidate`, logger) : createInProcessBus();
  const localCounter = createInProcessCounter();
  const counter = redis ? createRedisCounter(redis, redisKeyPrefix, localCounter, deps.counterTimeoutMs) : localCounter;
  const apiKeyVerifier = new ApiKeyVerifier({ orm, bus, clock, logger, cacheTtlMs: deps.apiKeyCacheTtlMs });
  // TOTP secrets are sealed under a key derived from the account-number key's secret (own label).
  const totpCipher = new SecretCipher(
    "totp-secret/v1",
    deps.accountNumberKey ?? developmentAccountNumberKey,
    deps.accountNumberKeysOld ?? [],
  );
  const publicBaseUrl = deps.mail?.publicBaseUrl ?? "http://localhost:8080";
  // The console is served at PUBLIC_BASE_URL: a browser that sends no Sec-Fetch-Site still gets in.
  const sessionOrigins = [...deps.corsOrigins, new URL(publicBaseUrl).origin];
  const passwords = new PasswordHasher(deps.passwordCost);
  const sessions = new SessionManager({
    orm,
    clock,
    counter,
    logger,
    allowedOrigins: sessionOrigins,
    totpCipher,
    passwords,
  });
  const denials = new DenialRecorder(orm, clock, logger);
  const idempotency = new IdempotencyService({
    orm,
    clock,
    maxRecordsPerOrganisation: deps.idempotencyRecordsPerOrganisation,
  });
  const idempotencySweeper = new IdempotencySweeper({ idempotency, logger });
  const mailer = deps.mail?.mailer ?? new OutboxMailer(resolve(".data/outbox"), clock);
  const payerEmails = new PayerEmailOutbox({ orm, mailer, clock, logger });
  const payerNotices = new PayerNotices(payerEmails);
  const organisationSettings = new OrganisationSettings(orm, clock);
  const collections = new CollectionManager({
    clock,
    advanceNoticeOf: (organisationId, em) => organisationSettings.advanceNoticeOf(organisationId, em),
    onAdvanceNotice: (em, announced, now) => payerNotices.scheduleAnnounced(em, announced, now),
    onOneOffNotice: (em, announced, now) => payerNotices.oneOffAnnounced(em, announced, now),
    onRetryNotice: (em, retried, now) => payerNotices.retryAnnounced(em, retried, now),
    onScheduleNotice: (em, notice, now) => payerNotices.scheduleChanged(em, notice, now),
    onCollectionMoved: (em, moved, now) => payerNotices.collectionMoved(em, moved, now),
  });
  const instructionConfirmed = (em: EntityManager, mandate: Mandate, now: Date) =>
    payerNotices.instructionConfirmed(em, mandate, now);
  const alertEvaluator = new AlertEvaluator(clock);
  const inviteLinks = new InviteLinks(mailer, publicBaseUrl);
  const userAccounts = new UserAccounts({ clock });
  const cipher = new AccountNumberCipher(
    deps.accountNumberKey ?? developmentAccountNumberKey,
    deps.accountNumberKeysOld ?? [],
  );
  const webhookCipher = new SecretCipher(
    "webhook-secret/v1",
    deps.accountNumberKey ?? developmentAccountNumberKey,
    deps.accountNumberKeysOld ?? [],
  );
  const webhookTargets = { allowPrivateNetworks: deps.webhooks?.allowPrivateNetworks ?? false };
  const webhookSender = new WebhookSender({ ...webhookTargets, timeoutMs: deps.webhooks?.timeoutMs });
  const webhookDispatcher = new WebhookDispatcher({
    orm,
    clock,
    logger,
    metrics: deps.metrics,
    sender: webhookSender,
    cipher: webhookCipher,
    render: eventBodies(clock),
    onEndpointDisabled: (em, organisationId, endpoint, failingSince) =>
      alertEvaluator.webhookEndpointDisabled(em, organisationId, endpoint, failingSince),
    intervalMs: deps.webhooks?.dispatch?.intervalMs,
    retryBaseMs: deps.webhooks?.dispatch?.retryBaseMs,
  });
  const bankAccounts = new BankAccountCheck(deps.modulusTables ?? loadModulusTables(defaultModulusTablesDir));
  const mandateTransitions = new MandateTransitions({
    clock,
    links: inviteLinks,
    cipher,
    accounts: bankAccounts,
    onCompleted: instructionConfirmed,
    onClosed: async (em, mandate, now) => {
      await collections.cancelForMandate(em, mandate, now);
      await alertEvaluator.mandateOutcome(em, mandate);
      await payerNotices.instructionCancelled(em, mandate, now);
    },
  });
  const processor = new BacsProcessor({
    orm,
    clock,
    transitions: mandateTransitions,
    logger,
    onCollectionMoved: (em, moved, now) => payerNotices.collectionMoved(em, moved, now),
    onRowFailed: (step) => deps.metrics.processingFailures.inc({ step }),
    intervalMs: deps.bacsProcessing?.intervalMs,
  });
  return {
    clock,
    apiKeyVerifier,
    verifier: {
      verifyApiKey: (secret, mayLookUp) => apiKeyVerifier.verify(secret, mayLookUp),
      verifySession: (token, origin, mayLookUp) => sessions.verify(token, origin, mayLookUp),
    },
    // Every organisation starts with the default alert thresholds, in the transaction that creates it.
    provisioning: new Provisioning({
      clock,
      passwords,
      onOrganisationCreated: (em, organisation, now) => addDefaultThresholds(em, organisation.id, now),
    }),
    apiKeys: new ApiKeyManager({ clock, announce: (keyId) => apiKeyVerifier.announce(keyId) }),
    sessions,
    secondFactor: new SecondFactor({ clock, cipher: totpCipher, counter }),
    userAccounts,
    users: new UserDirectory({ clock, accounts: userAccounts, mailer, publicBaseUrl, passwords }),
    denials,
    sessionCookieSecure: deps.sessionCookieSecure,
    limiter: new RateLimiter({
      redis,
      keyPrefix: redisKeyPrefix,
      logger,
      fallbacks: deps.metrics.rateLimitFallbacks,
      checkDuration: deps.metrics.rateLimitCheck,
      timeoutMs: deps.rateLimit.timeoutMs,
      replicas: deps.rateLimit.replicas,
    }),
    organisationSettings,
    sessionLimit: { perMinute: deps.rateLimit.sessionPerMinute, burst: deps.rateLimit.sessionBurst },
    failedAuthLimit: { perMinute: deps.rateLimit.failedAuthPerMinute, burst: deps.rateLimit.failedAuthBurst },
    publicLimit: { perMinute: deps.rateLimit.publicPerMinute, burst: deps.rateLimit.publicBurst },
    idempotency,
    idempotencySweeper,
    payerEmails,
    mandates: new MandateRegistry({ clock, invites: inviteLinks }),
    bankAccounts,
    mandateInvites: new PayerInvites({
      clock,
      links: inviteLinks,
      cipher,
      accounts: bankAccounts,
      onCompleted: instructionConfirmed,
    }),
    mandateTransitions,
    collections,
    alerts: new AlertManager(clock),
    simulators: {
      mandates: new MandateSimulator(mandateTransitions),
      collections: new CollectionSimulator(clock, alertEvaluator),
    },
    reports: new ReportManager(deps.reportStatementTimeoutMs),
    processor,
    mailer,
    webhookEndpoints: new WebhookEndpoints({ clock, cipher: webhookCipher, targets: webhookTargets, publishedTypes }),
    webhookDispatcher,
    async start() {
      // The decoy hash is made before anyone can sign in: an unknown email's sign-in must take as
      // long as a wrong password, never longer for waiting on it.
      await passwords.decoyHash();
      await apiKeyVerifier.start();
      denials.start();
      idempotencySweeper.start();
      payerEmails.start();
      if (deps.bacsProcessing) processor.start();
      if (deps.webhooks?.dispatch) webhookDispatcher.start();
    },
    async stop() {
      await processor.stop();
      await webhookDispatcher.stop();
      webhookSender.close();
      await idempotencySweeper.stop();
      await payerEmails.stop();
      await denials.stop();
      await bus.close();
    },
  };
}
