interface PaginationProps {
  page: number;
  pageSize: number;
  total: number;
  onChange: (page: number) => void;
}

export function Pagination({ page, pageSize, total, onChange }: PaginationProps) {
  const pages = Math.max(1, Math.ceil(total / Math.max(1, pageSize)));
  return (
    <nav className="pagination" aria-label="Pagination">
      <button type="button" className="btn btn--secondary" disabled={page <= 1} onClick={() => onChange(page - 1)}>
        <span aria-hidden="true">←</span> Previous
      </button>
      <span className="pagination__status" aria-live="polite">
        Page {Math.min(page, pages)} of {pages}
      </span>
      <button type="button" className="btn btn--secondary" disabled={page >= pages} onClick={() => onChange(page + 1)}>
        Next <span aria-hidden="true">→</span>
      </button>
    </nav>
  );
}
