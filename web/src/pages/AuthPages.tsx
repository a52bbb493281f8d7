import { useState, type FormEvent, type ReactNode } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError, validationIssues } from '../api';
import { useAuth } from '../auth';
import { ErrorAlert } from '../components/Feedback';
import { Field } from '../components/Field';
import { useDocumentTitle } from '../hooks';

type FieldErrors = Record<string, string>;

/** Only same-site paths are accepted as `next`, so the login page can't be used as an open redirect. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

/**
 * Field-level messages from a VALIDATION_FAILED error. Accepts `details.fields` / `details.fieldErrors`
 * maps or an `issues` list of `{ path, message }`.
 */
function fieldErrorsOf(error: unknown): FieldErrors {
  if (!(error instanceof ApiError)) return {};
  const d = error.details;
  const map = (d.fields ?? d.fieldErrors) as Record<string, string | string[]> | undefined;
  const result: FieldErrors = {};
  if (map && typeof map === 'object') {
    for (const [key, value] of Object.entries(map)) result[key] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  for (const { path, message } of validationIssues(error)) {
    // the API names a field by its dotted path ("body.password"): the form's fields are its last part
    const key = path[path.length - 1] ?? '';
    if (key && !result[key]) result[key] = message;
  }
  return result;
}

function useAuthForm(submit: () => Promise<unknown>) {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const next = safeNext(params.get('next'));

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await submit();
      navigate(next, { replace: true });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return { busy, error, next, onSubmit, setError };
}

function AuthCard({ title, children, footer }: { title: string; children: ReactNode; footer: ReactNode }) {
  return (
    <div className="auth">
      <section className="card auth__card" aria-labelledby="auth-title">
        <h1 id="auth-title" className="page-title">
          {title}
        </h1>
        {children}
        <p className="auth__footer">{footer}</p>
      </section>
    </div>
  );
}

export function LoginPage() {
  useDocumentTitle('Log in');
  const { login } = useAuth();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const form = useAuthForm(() => login(email.trim(), password));
  const invalid = form.error instanceof ApiError && form.error.code === 'INVALID_CREDENTIALS';

  return (
    <AuthCard
      title="Log in"
      footer={
        <>
          New here? <Link to={`/register?next=${encodeURIComponent(form.next)}`}>Create an account</Link>
        </>
      }
    >
      <form className="form" onSubmit={(e) => void form.onSubmit(e)}>
        {form.error !== undefined &&
          (invalid ? (
            <ErrorAlert title="Wrong email or password.">
              <span>Check them and try again.</span>
            </ErrorAlert>
          ) : (
            <ErrorAlert title="Could not log in." error={form.error} />
          ))}
        <Field label="Email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <Field
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <button type="submit" className="btn btn--primary btn--lg btn--block" disabled={form.busy}>
          {form.busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </AuthCard>
  );
}

/** The API's rule (src/auth/passwords.ts): at least 10 characters, and not a guessable one. */
const MIN_PASSWORD = 10;
const looksLikeEmail = (value: string) => /^[^\s@]+@[^\s@]+$/.test(value.trim());

export function RegisterPage() {
  useDocumentTitle('Register');
  const { register } = useAuth();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [touched, setTouched] = useState(false);
  const form = useAuthForm(() => register(email.trim(), password, name.trim()));
  const serverErrors = fieldErrorsOf(form.error);
  const emailTaken = form.error instanceof ApiError && form.error.code === 'EMAIL_TAKEN';
  const passwordError =
    touched && password.length < MIN_PASSWORD ? `Use at least ${MIN_PASSWORD} characters` : serverErrors.password;

  const submit = (event: FormEvent) => {
    setTouched(true);
    if (password.length < MIN_PASSWORD || !name.trim() || !looksLikeEmail(email)) {
      event.preventDefault();
      return;
    }
    void form.onSubmit(event);
  };

  return (
    <AuthCard
      title="Create your account"
      footer={
        <>
          Already have an account? <Link to={`/login?next=${encodeURIComponent(form.next)}`}>Log in</Link>
        </>
      }
    >
      <form className="form" onSubmit={submit} noValidate>
        {form.error !== undefined && (
          <ErrorAlert title="Could not create your account." error={emailTaken ? undefined : form.error}>
            {emailTaken && (
              <span>
                That email is already registered. <Link to={`/login?next=${encodeURIComponent(form.next)}`}>Log in instead</Link>
              </span>
            )}
          </ErrorAlert>
        )}
        <Field
          label="Name"
          autoComplete="name"
          required
          value={name}
          error={touched && !name.trim() ? 'Enter your name' : serverErrors.name}
          onChange={(e) => setName(e.target.value)}
        />
        <Field
          label="Email"
          type="email"
          autoComplete="email"
          required
          value={email}
          error={touched && !looksLikeEmail(email) ? 'Enter a valid email address' : serverErrors.email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <Field
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          minLength={MIN_PASSWORD}
          value={password}
          hint={`At least ${MIN_PASSWORD} characters.`}
          error={passwordError}
          onChange={(e) => setPassword(e.target.value)}
        />
        <button type="submit" className="btn btn--primary btn--lg btn--block" disabled={form.busy}>
          {form.busy ? 'Creating account…' : 'Register'}
        </button>
      </form>
    </AuthCard>
  );
}
