/**
 * Chart draws one uPlot chart that follows its container's width. uPlot draws on a canvas, so the
 * figure carries a text summary as its accessible name, and each report offers its data as a table
 * and as CSV beside it.
 */
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface ChartProps {
  /** What the chart shows, read by screen readers in place of the canvas. */
  summary: string;
  options: Omit<uPlot.Options, "width" | "height">;
  data: uPlot.AlignedData;
  height?: number;
}

export function Chart({ summary, options, data, height = 260 }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const plot = new uPlot({ ...options, width: element.clientWidth, height }, data, element);
    const resize = new ResizeObserver(() => plot.setSize({ width: element.clientWidth, height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [options, data, height]);
  return <div ref={box} role="img" aria-label={summary} className="chart" />;
}

/**
 * categoryX puts one report row at each whole x (0, 1, …) labelled by `labels`, half a step of room
 * at either end: the rows are intervals, not instants, and a bar at the edge must not be cut.
 */
export function categoryX(labels: readonly string[]): Pick<uPlot.Options, "scales" | "axes"> & { xs: number[] } {
  return {
    xs: labels.map((_, i) => i),
    scales: { x: { time: false, range: [-0.5, labels.length - 0.5] } },
    axes: [
      {
        splits: () => labels.map((_, i) => i),
        values: (_u, splits) => splits.map((i) => labels[i] ?? ""),
        grid: { show: false },
      },
    ],
  };
}
