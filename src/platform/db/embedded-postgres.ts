import { mkdir, open, readFile, rm } from "node:fs/promises";
import { resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import type { Logger } from "pino";

/** EmbeddedPostgres is a running in-process PostgreSQL: a URL for the `pg` driver and a way to stop it. */
export interface EmbeddedPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`; accepts exactly one connection at a time. */
  url: string;
  /** Stops accepting connections, then closes PGlite so its files are consistent for the next start. */
  close(): Promise<void>;
}

/** EmbeddedPostgresOptions says where the data lives and where to log. */
export interface EmbeddedPostgresOptions {
  /** PGlite's data directory, e.g. `.data/pg`; created if missing. */
  dataDir: string;
  logger: Logger;
}

/**
 * startEmbeddedPostgres runs PGlite (PostgreSQL compiled to WASM) on `dataDir` behind a
 * pglite-socket server on 127.0.0.1 and a port the OS picks, so the app talks to it through the
 * same `pg` driver, ORM and migrations as to a real server — the no-`DATABASE_URL` default.
 *
 * PGlite is single-connection: the socket server admits one client, so the pool must be exactly one
 * connection (see stack notes). PGlite has no lock of its own on its directory, so a `<dataDir>.lock`
 * file holding our pid refuses a second process (say `npm run migrate` beside a running server)
 * instead of letting two writers corrupt the data.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = resolve(options.dataDir);
  const log = options.logger.child({ component: "embedded-postgres" });
  await mkdir(dataDir, { recursive: true });
  const releaseLock = await lockDataDir(`${dataDir}.lock`);
  let db: PGlite | undefined;
  try {
    db = await PGlite.create(dataDir);
    const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 1 });
    server.addEventListener("error", (event) => {
      log.warn({ err: (event as CustomEvent<unknown>).detail }, "embedded PostgreSQL socket error");
    });
    await server.start();
    const url = `postgres://postgres@${server.getServerConn()}/postgres`;
    log.info({ dataDir, address: server.getServerConn() }, "embedded PostgreSQL listening");
    const pglite = db;
    let closing: Promise<void> | undefined;
    return {
      url,
      close: () =>
        (closing ??= (async () => {
          try {
            await server.stop();
            await pglite.close();
          } finally {
            await releaseLock();
          }
          log.info({ dataDir }, "embedded PostgreSQL stopped");
        })()),
    };
  } catch (err) {
    await db?.close().catch(() => undefined);
    await releaseLock();
    throw err;
  }
}

/** Creates `lockPath` holding our pid, taking over a lock whose process is gone; returns the release. */
async function lockDataDir(lockPath: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const file = await open(lockPath, "wx");
      await file.writeFile(String(process.pid));
      await file.close();
      return () => rm(lockPath, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const owner = Number.parseInt(await readFile(lockPath, "utf8").catch(() => ""), 10);
      if (Number.isInteger(owner) && isRunning(owner)) {
        throw new Error(`embedded database is in use by process ${owner} (lock ${lockPath})`);
      }
      await rm(lockPath, { force: true }); // stale: its process died without closing
    }
  }
  throw new Error(`could not lock ${lockPath}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
