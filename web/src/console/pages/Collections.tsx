/**
 * Collections is where staff follow the money: the schedules that create collections, and every
 * collection with its outcome. Admins and members set up and cancel schedules; in sandbox
 * organisations they also play Bacs outcomes on collections.
 */
import { CollectionHistory } from "../collections/CollectionHistory.js";
import { Schedules } from "../collections/Schedules.js";

export default function Collections() {
  return (
    <>
      <h1>Collections</h1>
      <p className="lede">
        A schedule collects a fixed amount under a mandate every week or month; each collection is one Direct Debit
        payment taken on its charge date.
      </p>
      <Schedules />
      <CollectionHistory />
    </>
  );
}
