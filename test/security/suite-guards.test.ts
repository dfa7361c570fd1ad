/**
 * Guards of the security suite itself: the "passes authorization" verdict the generated cases give
 * must not accept an answer that proves nothing. Here one service of the contract is served without
 * its handlers, as a registration that lost them would be: its RPCs still pass authentication and
 * authorization, then answer UNIMPLEMENTED, and the suite must fail them on every transport.
 */
import type { DescService } from "@bufbuild/protobuf";
import { Code, type ConnectRouter } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReportService } from "../../gen/dd/v1/reports_pb.js";
import { registerServices } from "../../src/routes.js";
import { newApiKey, newOrganisation } from "../support/fixtures.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { checkEach } from "./support/check-each.js";
import { contractRpcs } from "./support/contract-rpcs.js";
import { bearer } from "./support/credentials.js";
import { codeName, expectPassesAuthorization, transportNames } from "./support/outcome.js";
import { createRpcCaller, type RpcCaller } from "./support/rpc-caller.js";

/** The service served without handlers; any would do, this one has only scoped reads. */
const handlerless: DescService = ReportService;

let server: TestServer;
let caller: RpcCaller;
let secret = "";

beforeAll(async () => {
  server = await startTestServer({
    registerRoutes: (router, app) =>
      registerServices(
        {
          handlers: router.handlers,
          rpc: router.rpc.bind(router),
          // Every service as routes.ts registers it, except this one: an empty implementation, which
          // connect-es serves by answering UNIMPLEMENTED for each of its methods.
          service: (service, implementation, options) =>
            router.service(service, (service as DescService) === handlerless ? {} : implementation, options),
        } as ConnectRouter,
        app,
      ),
  });
  caller = createRpcCaller(server);
  secret = (await newApiKey(server, await newOrganisation(server))).secret;
});

afterAll(async () => {
  caller?.close();
  await server?.close();
});

const rpcsOfHandlerless = contractRpcs.filter((rpc) => rpc.method.parent === handlerless);

describe("the security suite", () => {
  it.each(transportNames)(
    "fails an RPC that passes authorization and then answers UNIMPLEMENTED, over %s",
    async (transport) => {
      await checkEach(rpcsOfHandlerless, async (rpc) => {
        const outcome = await caller.call(transport, rpc, bearer(secret));
        // The premise: the call got through authorization and reached a missing handler.
        expect(codeName(outcome.code), `${rpc.path} over ${transport}`).toBe(codeName(Code.Unimplemented));
        expect(() => expectPassesAuthorization(outcome, `${rpc.path} over ${transport}`)).toThrow(
          /got (HTTP \d+ )?UNIMPLEMENTED/,
        );
      });
    },
  );
});
