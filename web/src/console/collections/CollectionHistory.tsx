/**
 * CollectionHistory lists the organisation's collections, newest charge date first, filtered by
 * state, charge dates and mandate, a page at a time.
 */
import { useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { CollectionService, CollectionState } from "../../../../gen/dd/v1/collections_pb.js";
import { problemOf } from "../../shared/errors.js";
import { Field, SelectField } from "../../shared/Field.js";
import { ProblemBanner } from "../../shared/ProblemBanner.js";
import { Pager, usePages } from "../Pager.js";
import { CollectionTable, collectionStateName } from "./CollectionTable.js";
import { mandateLabel, useMandateDirectory } from "./mandates.js";

const stateChoices = Object.values(CollectionState).filter(
  (s): s is CollectionState => typeof s === "number" && s !== CollectionState.UNSPECIFIED,
);

interface Filters {
  state: CollectionState | undefined;
  from: string;
  to: string;
  mandateId: string;
}

export function CollectionHistory() {
  const mandates = useMandateDirectory();
  const pages = usePages();
  const [filters, setFilters] = useState<Filters>({ state: undefined, from: "", to: "", mandateId: "" });
  const list = useQuery(CollectionService.method.listCollections, {
    pageSize: 50,
    pageToken: pages.pageToken,
    state: filters.state === undefined ? [] : [filters.state],
    from: filters.from,
    to: filters.to,
    mandateId: filters.mandateId,
  });
  const problem = list.error ? problemOf(list.error, { from: "Charged from", to: "Charged to" }) : undefined;
  const filter = (change: Partial<Filters>) => {
    setFilters({ ...filters, ...change });
    pages.restart();
  };

  return (
    <section aria-labelledby="collections-heading">
      <h2 id="collections-heading">All collections</h2>
      <search className="filters">
        <SelectField
          label="State"
          value={filters.state ?? ""}
          onChange={(e) =>
            filter({
              state: e.currentTarget.value === "" ? undefined : (Number(e.currentTarget.value) as CollectionState),
            })
          }
        >
          <option value="">Any state</option>
          {stateChoices.map((s) => (
            <option key={s} value={s}>
              {collectionStateName(s)}
            </option>
          ))}
        </SelectField>
        <Field
          label="Charged from"
          type="date"
          value={filters.from}
          onChange={(e) => filter({ from: e.currentTarget.value })}
          error={problem?.fields.from}
        />
        <Field
          label="Charged to"
          type="date"
          value={filters.to}
          onChange={(e) => filter({ to: e.currentTarget.value })}
          error={problem?.fields.to}
        />
        <SelectField
          label="Mandate"
          value={filters.mandateId}
          onChange={(e) => filter({ mandateId: e.currentTarget.value })}
        >
          <option value="">Any mandate</option>
          {[...mandates.values()].map((m) => (
            <option key={m.id} value={m.id}>
              {mandateLabel(m, m.id)}
            </option>
          ))}
        </SelectField>
      </search>
      <ProblemBanner problem={problem} onRetry={() => void list.refetch()} />
      {list.data && <CollectionTable collections={list.data.collections} mandates={mandates} />}
      <Pager label="Collection pages" pages={pages} nextPageToken={list.data?.nextPageToken} />
    </section>
  );
}
