/** A plain-text table: `align` has one letter per column, `l` or `r`. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], align: string): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)))
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0
        return align[column] === 'r' ? cell.padStart(width) : cell.padEnd(width)
      })
      .join('  ')
      .trimEnd()
  const rule = widths.map((width) => '-'.repeat(width)).join('  ')
  return [line(header), rule, ...rows.map(line)].join('\n')
}

export const formatRate = (perSecond: number) => Math.round(perSecond).toLocaleString('en-US')
export const formatMs = (ms: number) => (Number.isNaN(ms) ? '-' : ms.toFixed(ms < 10 ? 2 : 1))
export const formatRatio = (ratio: number) => (Number.isFinite(ratio) ? ratio.toFixed(2) : '-')

/** One line of at most `max` characters: whitespace runs collapsed, for showing response bodies. */
export function preview(text: string, max = 160): string {
  const compact = text.replace(/\s+/g, ' ').trim()
  return compact.length > max ? `${compact.slice(0, max - 1)}…` : compact
}
