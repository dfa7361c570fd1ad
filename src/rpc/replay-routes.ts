/**
 * replay-routes.ts lets the idempotency interceptor answer a replay through the normal handler path
 * without running the handler. Connect keeps the protocol's response headers (content type,
 * negotiated compression, the gRPC status trailer) in a context only handler implementations see,
 * so an interceptor that answered on its own would send a response without them. Every unary
 * implementation registered through ReplayRoutes.wrap() therefore first looks for a stored answer in
 * the call's context values and, when there is one, returns it instead of running.
 */
import type { DescMethod, DescService, Message } from "@bufbuild/protobuf";
import { type ConnectRouter, type ContextValues, createContextKey, type HandlerContext } from "@connectrpc/connect";

/** StoredAnswer is a success to replay: the message and the headers and trailers it first had. */
export interface StoredAnswer {
  message: Message;
  header: readonly [string, string][];
  trailer: readonly [string, string][];
}

const kStoredAnswer = createContextKey<StoredAnswer | undefined>(undefined, {
  description: "idempotent replay answer",
});

type UnaryImpl = (req: unknown, ctx: HandlerContext) => unknown;

/** ReplayRoutes wraps a router's registrations and knows which methods can serve a stored answer. */
export class ReplayRoutes {
  private readonly replayable = new WeakSet<DescMethod>();

  /** canReplay is true for a unary method registered with an implementation through wrap(). */
  canReplay(method: DescMethod): boolean {
    return this.replayable.has(method);
  }

  /** answerWith makes the call's handler return `answer` instead of running. */
  answerWith(values: ContextValues, answer: StoredAnswer): void {
    values.set(kStoredAnswer, answer);
  }

  /** wrap returns a router that registers on `router`, each unary implementation wrapped. */
  wrap(router: ConnectRouter): ConnectRouter {
    const wrapper: ConnectRouter = {
      get handlers() {
        return router.handlers;
      },
      service: (service: DescService, implementation: object, options) => {
        const impl: Record<string, unknown> = {};
        for (const method of service.methods) {
          const fn: unknown = (implementation as Record<string, unknown>)[method.localName];
          if (typeof fn !== "function") continue; // left to Connect: UNIMPLEMENTED
          const bound = (fn as UnaryImpl).bind(implementation);
          impl[method.localName] = method.methodKind === "unary" ? this.unary(method, bound) : bound;
        }
        router.service(service, impl as never, options);
        return wrapper;
      },
      rpc: (method: DescMethod, impl: unknown, options) => {
        const wrapped = method.methodKind === "unary" ? this.unary(method, impl as UnaryImpl) : impl;
        router.rpc(method, wrapped as never, options);
        return wrapper;
      },
    } as ConnectRouter;
    return wrapper;
  }

  private unary(method: DescMethod, impl: UnaryImpl): UnaryImpl {
    this.replayable.add(method);
    return (req, ctx) => {
      const answer = ctx.values.get(kStoredAnswer);
      if (!answer) return impl(req, ctx);
      for (const [name, value] of answer.header) ctx.responseHeader.append(name, value);
      for (const [name, value] of answer.trailer) ctx.responseTrailer.append(name, value);
      return answer.message;
    };
  }
}
