/**
 * collections.ts (test support) drives collection schedules over REST as signed-in staff do, and
 * reads schedules and collections back as integrators do (with an API key).
 */
import { newSignedInUser } from "./fixtures.js";
import type { RestAnswer, Tenant } from "./mandates.js";
import type { TestServer } from "./test-server.js";

/** Staff is a tenant with a signed-in admin (schedule writes are session only). */
export interface Staff extends Tenant {
  cookie: string;
}

/** ScheduleJson is a schedule as REST shows it (proto3 JSON). */
export interface ScheduleJson {
  id: string;
  mandateId: string;
  amountMinor: string;
  currency: string;
  intervalUnit: string;
  interval?: number;
  dayOfMonth?: number;
  startDate: string;
  endDate?: string;
  count?: number;
  state: string;
  description?: string;
  metadata?: Record<string, string>;
  nextChargeDate?: string;
  createdCollectionCount?: number;
}

/** CollectionJson is a collection as REST shows it. */
export interface CollectionJson {
  id: string;
  mandateId: string;
  scheduleId: string;
  amountMinor: string;
  currency: string;
  chargeDate: string;
  /** The charge date of its first presentation (differs from chargeDate once retried). */
  originalChargeDate: string;
  state: string;
  reasonCode?: string;
  description?: string;
}

/** withAdmin signs in an admin of the tenant's organisation. */
export async function withAdmin(server: TestServer, tenant: Tenant): Promise<Staff> {
  const admin = await newSignedInUser(server, tenant.organisationId, "admin");
  return { ...tenant, cookie: admin.cookie };
}

/** sessionRest calls the REST API with a session cookie. */
export async function sessionRest(
  server: TestServer,
  method: string,
  path: string,
  cookie: string,
  body?: unknown,
): Promise<RestAnswer> {
  const res = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { cookie, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === "" ? undefined : JSON.parse(text) };
}

/** createSchedule creates a schedule as the staff's admin and returns it (throws unless 200). */
export async function createSchedule(
  server: TestServer,
  staff: Staff,
  fields: Record<string, unknown>,
): Promise<ScheduleJson> {
  const answer = await sessionRest(server, "POST", "/v1/collectionSchedules", staff.cookie, fields);
  if (answer.status !== 200) throw new Error(`create schedule failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as ScheduleJson;
}
