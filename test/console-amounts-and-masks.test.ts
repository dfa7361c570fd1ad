/**
 * The console's pure conversions: pounds typed by staff to exact pence and back (no floating point:
 * 1250.50 must be 125050, never 125049), and the threshold editor's update_mask, which names only
 * the settings changed, or refuses inputs it cannot read by the field's name.
 */
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { AlertThresholdSchema, AlertType } from "../gen/dd/v1/alerts_pb.js";
import { inputsOf, updateOf } from "../web/src/console/alerts/thresholdForm.js";
import { penceOf, pounds, poundsInput } from "../web/src/console/money.js";

describe("pounds and pence", () => {
  it.each([
    ["1250.50", 125050n],
    ["1250.5", 125050n],
    ["1250", 125000n],
    ["£1,250.50", 125050n],
    [" 0.01 ", 1n],
    ["0", 0n],
    ["1,234,567.89", 123456789n],
    ["19.99", 1999n],
    ["0.29", 29n],
  ])("reads %j as %s pence", (text, pence) => {
    expect(penceOf(text)).toBe(pence);
  });

  it.each(["", "12.345", "-5", "1.2.3", "12,34", "1e3", "£", "abc", ".5", "5."])("refuses %j", (text) => {
    expect(penceOf(text)).toBeUndefined();
  });

  it("writes pence as pounds with thousands and two decimals", () => {
    expect(pounds(125050n)).toBe("£1,250.50");
    expect(pounds(5n)).toBe("£0.05");
    expect(pounds(900000000n)).toBe("£9,000,000.00");
    expect(poundsInput(125050n)).toBe("1250.50");
    expect(penceOf(poundsInput(1999n))).toBe(1999n);
  });
});

describe("the threshold editor's update", () => {
  const rate = create(AlertThresholdSchema, {
    id: "AT01",
    type: AlertType.COLLECTION_FAILURE_RATE,
    enabled: true,
    failureRatePercent: 10,
    minSampleSize: 20,
    window: { seconds: 604_800n },
  });

  it("shows a whole-days window in days", () => {
    expect(inputsOf(rate)).toMatchObject({ window: "7", windowUnit: "days", failurePercent: "10" });
    const threeHours = create(AlertThresholdSchema, { type: rate.type, window: { seconds: 10_800n } });
    expect(inputsOf(threeHours)).toMatchObject({ window: "3", windowUnit: "hours" });
  });

  it("names only the changed settings in the mask", () => {
    const { request } = updateOf(rate, { ...inputsOf(rate), minSampleSize: "1" });
    expect(request).toEqual({
      threshold: { id: "AT01", minSampleSize: 1 },
      updateMask: { paths: ["min_sample_size"] },
    });

    const both = updateOf(rate, { ...inputsOf(rate), enabled: false, window: "36", windowUnit: "hours" }).request;
    expect(both?.updateMask).toEqual({ paths: ["enabled", "window"] });
    expect(both?.threshold).toEqual({ id: "AT01", enabled: false, window: { seconds: 129_600n } });
  });

  it("sends nothing when nothing changed, and ignores settings the type does not use", () => {
    expect(updateOf(rate, { ...inputsOf(rate), count: "7", minAmount: "5" })).toEqual({ errors: {} });
    const failed = create(AlertThresholdSchema, { id: "AT04", type: AlertType.COLLECTION_FAILED });
    expect(updateOf(failed, { ...inputsOf(failed), minAmount: "500" }).request).toEqual({
      threshold: { id: "AT04", minAmountMinor: 50_000n },
      updateMask: { paths: ["min_amount_minor"] },
    });
  });

  it("refuses what it cannot read, by the service's field names, and sends nothing", () => {
    const { request, errors } = updateOf(rate, {
      ...inputsOf(rate),
      failurePercent: "ten",
      minSampleSize: "2.5",
      window: "",
    });
    expect(request).toBeUndefined();
    expect(Object.keys(errors).sort()).toEqual([
      "threshold.failure_rate_percent",
      "threshold.min_sample_size",
      "threshold.window",
    ]);
  });
});
