// HTML pieces the reports share, as strings with no Node APIs: escaping, a table, and the
// confusion matrix as a heat map (each cell shaded by its share of the row's images).

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A table with a header row; cells are escaped. */
export function htmlTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = (r: readonly string[], tag: string) => r.map((c) => `<${tag}>${escapeHtml(c)}</${tag}>`).join('');
  return (
    `<table><thead><tr>${cells(header, 'th')}</tr></thead>` +
    `<tbody>${rows.map((r) => `<tr>${cells(r, 'td')}</tr>`).join('')}</tbody></table>`
  );
}

/**
 * The confusion matrix (rows: true class, columns: predicted) as a table whose cells are shaded
 * blue on the diagonal and red off it, by the cell's share of its row.
 */
export function confusionHeatMap(classes: readonly string[], confusion: readonly (readonly number[])[]): string {
  const head = classes.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join('');
  const body = confusion
    .map((row, k) => {
      const total = row.reduce((a, b) => a + b, 0);
      const cells = row
        .map((n, j) => {
          const share = total ? n / total : 0;
          const rgb = j === k ? '31,119,180' : '214,39,40';
          const ink = share > 0.55 ? '#fff' : '#222';
          const title = `${n} of ${total} ${classes[k]} image(s) predicted ${classes[j]}`;
          return (
            `<td class="cell" style="background:rgba(${rgb},${share.toFixed(3)});color:${ink}" ` +
            `title="${escapeHtml(title)}">${n}</td>`
          );
        })
        .join('');
      return `<tr><th scope="row">${escapeHtml(classes[k])}</th>${cells}</tr>`;
    })
    .join('');
  return (
    `<table class="confusion"><caption>rows: true class; columns: predicted</caption>` +
    `<thead><tr><th></th>${head}</tr></thead><tbody>${body}</tbody></table>`
  );
}

/** Styles of the tables above, for a report's <style>. */
export const TABLE_STYLE =
  'table{border-collapse:collapse;margin:8px 0}th,td{padding:4px 10px;text-align:right}' +
  'th:first-child,td:first-child{text-align:left}thead th{border-bottom:1px solid #999}' +
  'table.confusion td.cell{min-width:56px;text-align:center;font-variant-numeric:tabular-nums}' +
  'table.confusion caption{caption-side:bottom;font-size:12px;color:#666;padding-top:4px}';
