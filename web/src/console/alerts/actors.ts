/**
 * actors.ts names who acknowledged, resolved or changed something. The service records an id: a
 * user ("US…") or an API key ("AK…"). Admins can list the team, so they see emails; everyone sees
 * "you" for themselves, and the id otherwise.
 */
import { useQuery } from "@connectrpc/connect-query";
import { UserService } from "../../../../gen/dd/v1/users_pb.js";
import { useStaff } from "../session.js";

/** useActorName returns a function naming an actor id. */
export function useActorName(): (id: string) => string {
  const staff = useStaff();
  const users = useQuery(
    UserService.method.listUsers,
    { pageSize: 500, showDeactivated: true },
    { enabled: staff.isAdmin },
  );
  const emails = new Map((users.data?.users ?? []).map((u) => [u.id, u.email]));
  return (id) => {
    if (id === staff.session.user?.id) return "you";
    if (id.startsWith("AK")) return `API key ${id}`;
    return emails.get(id) ?? id;
  };
}
