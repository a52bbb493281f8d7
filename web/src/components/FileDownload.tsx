import { useState, type MouseEvent } from 'react';
import { errorMessage } from '../api';

interface FileDownloadProps {
  /** The API path, for the link's href (what it reads and behaves as). */
  href: string;
  filename: string;
  /** Fetches the file with the session's token (a plain link cannot send it). */
  fetchFile: () => Promise<Blob>;
  label: string;
  busyLabel: string;
  /** Read by screen readers after the label, e.g. " for booking AB12-CD34". */
  srSuffix?: string;
  className?: string;
  testId?: string;
}

/** A real link to an API file, fetched with the session's token on click and saved under `filename`. */
export function FileDownload({ href, filename, fetchFile, label, busyLabel, srSuffix, className, testId }: FileDownloadProps) {
  const [state, setState] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  const onClick = async (event: MouseEvent<HTMLAnchorElement>) => {
    event.preventDefault();
    if (state.busy) return;
    setState({ busy: true, error: null });
    try {
      const url = URL.createObjectURL(await fetchFile());
      const link = document.createElement('a');
      link.href = url;
      link.download = filename;
      document.body.append(link);
      link.click();
      link.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
      setState({ busy: false, error: null });
    } catch (error) {
      setState({ busy: false, error: errorMessage(error) });
    }
  };
  return (
    <>
      <a href={href} download={filename} className={className ?? 'btn btn--secondary btn--sm'} onClick={onClick} aria-busy={state.busy} data-testid={testId}>
        {state.busy ? busyLabel : label}
        {srSuffix && <span className="sr-only">{srSuffix}</span>}
      </a>
      {state.error && (
        <span className="field__error" role="alert">
          {state.error}
        </span>
      )}
    </>
  );
}
