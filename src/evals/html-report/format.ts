/**
 * Escaping and number formatting for the HTML report of an evaluation. Every value that comes
 * from a report (sample ids, reasons, experiment names) goes through {@link escapeHtml}.
 */

/** Escape text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(text: unknown): string {
  return String(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** The text shown for a figure that is missing or not a number. */
export const NONE = "—";

const finite = (value: number | undefined): value is number => value !== undefined && Number.isFinite(value);

/** A 0–1 rate as a percentage: `0.75` → `75.0 %`. */
export function percent(rate: number | undefined): string {
  return finite(rate) ? `${(rate * 100).toFixed(1)} %` : NONE;
}

/** A 0–1 interval as percentages: `[0.5, 0.9]` → `50.0–90.0 %`. */
export function percentInterval([low, high]: readonly [number, number]): string {
  return finite(low) && finite(high) ? `${(low * 100).toFixed(1)}–${(high * 100).toFixed(1)} %` : NONE;
}

/** A score (0–1) with three decimals. */
export function scoreText(value: number | undefined): string {
  return finite(value) ? value.toFixed(3) : NONE;
}

/** A score interval: `[0.5, 0.9]` → `0.500–0.900`. */
export function scoreInterval([low, high]: readonly [number, number]): string {
  return finite(low) && finite(high) ? `${low.toFixed(3)}–${high.toFixed(3)}` : NONE;
}

/** A signed change of a rate, in percentage points: `0.15` → `+15.0 pp`. */
export function signedPoints(delta: number | undefined): string {
  return finite(delta) ? `${sign(delta * 100, 1)} pp` : NONE;
}

/** A signed change of a score: `-0.1` → `-0.100`. */
export function signedScore(delta: number | undefined): string {
  return finite(delta) ? sign(delta, 3) : NONE;
}

/** `value` with `digits` decimals and an explicit sign (`+`, `-`, or none for zero). */
function sign(value: number, digits: number): string {
  const text = Math.abs(value).toFixed(digits);
  if (Number(text) === 0) return text;
  return `${value > 0 ? "+" : "-"}${text}`;
}

/**
 * A cost in US dollars: two decimals from $1, else up to four (trailing zeros dropped down to
 * two): `$12.50`, `$0.348`, `$0.0123`, `$0.50`.
 */
export function usd(cost: number | undefined): string {
  if (!finite(cost)) return NONE;
  if (Math.abs(cost) >= 1) return `$${cost.toFixed(2)}`;
  return `$${cost.toFixed(4).replace(/(\.\d\d\d*?)0+$/, "$1")}`;
}

/** A duration in whole milliseconds: `1234.5` → `1,235 ms`. */
export function milliseconds(ms: number | undefined): string {
  return finite(ms) ? `${Math.round(ms).toLocaleString("en-US")} ms` : NONE;
}

/** The CSS class of a change: `up`, `down` or `flat`. */
export function trend(delta: number | undefined): "up" | "down" | "flat" {
  if (!finite(delta) || Math.abs(delta) < 1e-9) return "flat";
  return delta > 0 ? "up" : "down";
}
