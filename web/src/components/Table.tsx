import type { ReactNode } from 'react';

/**
 * A data table as the web client draws them: a caption for screen readers, one row of column
 * headings and the body's rows (the children), inside a `table-wrap` that scrolls on a narrow
 * screen unless `bare`. `className` adds to `table` (e.g. `table--compact`, or `table--stacked`:
 * one card per row on a phone, each cell under its `data-label`).
 */
export function Table({ caption, columns, className, bare = false, children, ...attributes }: {
  caption: ReactNode;
  columns: readonly ReactNode[];
  className?: string;
  bare?: boolean;
  children: ReactNode;
  'data-testid'?: string;
  'aria-busy'?: boolean;
}) {
  const table = (
    <table className={className ? `table ${className}` : 'table'} {...attributes}>
      <caption className="sr-only">{caption}</caption>
      <thead>
        <tr>{columns.map((column, i) => <th key={i} scope="col">{column}</th>)}</tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
  return bare ? table : <div className="table-wrap">{table}</div>;
}

/** The heading of a column of row actions: read by screen readers only. */
export const ACTIONS_COLUMN = <span className="sr-only">Actions</span>;
