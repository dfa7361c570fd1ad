/**
 * user.handlers.ts serves UserService: translate the request, call UserDirectory, translate the
 * answer. Access (signed-in admins; CompleteWelcome public, by its token) is declared in the
 * contract and checked by the chain.
 */
import type { ConnectRouter } from "@connectrpc/connect";
import { Role } from "../../../gen/dd/v1/access_pb.js";
import { UserService } from "../../../gen/dd/v1/users_pb.js";
import type { UserDirectory } from "../../modules/identity/user-directory.js";
import { kRequestInfo, requireEntityManager, requireWriter } from "../../rpc/context.js";
import { isIdOf, nextPageToken, readPage } from "../../rpc/pagination.js";
import { roleName, userToProto } from "./identity.mapper.js";

// Users are listed newest first by id, so a page token holds the id of the page's last one.
const userCursor = { id: isIdOf("US") };

/** registerUserService serves UserService with the given directory. */
export function registerUserService(router: ConnectRouter, users: UserDirectory): void {
  router.service(UserService, {
    async listUsers(req, ctx) {
      const filters = { showDeactivated: req.showDeactivated };
      const page = readPage(ctx, req.pageSize, req.pageToken, filters, userCursor);
      const found = await users.list(await requireEntityManager(ctx), page, req.showDeactivated);
      return { users: found.items.map(userToProto), nextPageToken: nextPageToken(ctx, found, filters) };
    },
    async getUser(req, ctx) {
      return userToProto(await users.get(await requireEntityManager(ctx), req.userId));
    },
    async createUser(req, ctx) {
      const { em, acting } = await requireWriter(ctx);
      const user = req.user;
      return userToProto(
        await users.create(em, acting, {
          email: user?.email ?? "",
          displayName: user?.displayName ?? "",
          role: roleName(user?.role ?? Role.UNSPECIFIED),
        }),
      );
    },
    async updateUser(req, ctx) {
      const { em, acting } = await requireWriter(ctx);
      const user = req.user;
      return userToProto(
        await users.update(em, acting, {
          id: user?.id ?? "",
          displayName: user?.displayName ?? "",
          role: roleName(user?.role ?? Role.UNSPECIFIED),
          mask: req.updateMask?.paths,
        }),
      );
    },
    async deactivateUser(req, ctx) {
      const { em, acting } = await requireWriter(ctx);
      return userToProto(await users.deactivate(em, acting, req.userId));
    },
    async resendWelcome(req, ctx) {
      const { em, acting } = await requireWriter(ctx);
      return userToProto(await users.resendWelcome(em, acting, req.userId));
    },
    async completeWelcome(req, ctx) {
      const { user, organisationName } = await users.completeWelcome(
        await requireEntityManager(ctx),
        req.welcomeToken,
        req.password,
        ctx.values.get(kRequestInfo)?.clientAddress,
      );
      return { user: userToProto(user), organisationName };
    },
  });
}
