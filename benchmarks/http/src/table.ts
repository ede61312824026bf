/** A Markdown table, padded so that it also reads well in a terminal; `align` has one letter per column, `l` or `r`. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], align: string): string {
  const escapeCells = (cells: readonly string[]) =>
    header.map((_, column) => (cells[column] ?? '').replaceAll('|', '\\|'))
  const body = rows.map(escapeCells)
  const widths = header.map((title, column) =>
    Math.max(3, title.length, ...body.map((row) => row[column]?.length ?? 0)),
  )
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => (align[column] === 'r' ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0))).join(' | ')} |`
  const rule = widths.map((width, column) => (align[column] === 'r' ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width)))
  return [line(escapeCells(header)), `| ${rule.join(' | ')} |`, ...body.map(line)].join('\n')
}

const missing = (value: number | undefined): value is undefined => value === undefined || !Number.isFinite(value)

export const formatRate = (perSecond: number | undefined) =>
  missing(perSecond) ? '-' : Math.round(perSecond).toLocaleString('en-US')
export const formatMs = (ms: number | undefined) => (missing(ms) ? '-' : ms.toFixed(ms < 10 ? 2 : 1))
export const formatRatio = (ratio: number | undefined) => (missing(ratio) ? '-' : ratio.toFixed(2))
export const formatOne = (value: number | undefined) => (missing(value) ? '-' : value.toFixed(1))
export const formatPercent = (fraction: number | undefined) =>
  missing(fraction) ? '-' : `${(fraction * 100).toFixed(1)} %`
