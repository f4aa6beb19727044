/** Small shared pieces: labelled fields, error and status messages, an action hook with busy and error state. */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { messageOf } from './api.js';

let fieldSeq = 0;

interface FieldProps {
  label: string;
  value: string;
  onValue: (v: string) => void;
  hint?: string;
  type?: 'text' | 'password' | 'datetime-local' | 'number';
  min?: number;
  max?: number;
  required?: boolean;
  minLength?: number;
  maxLength?: number;
  autoComplete?: string;
  placeholder?: string;
}

/** A labelled input; the hint is tied to it with aria-describedby. */
export function Field({ label, value, onValue, hint, ...rest }: FieldProps) {
  const id = useRef(`f${++fieldSeq}`).current;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} value={value} onInput={(e) => onValue(e.currentTarget.value)} aria-describedby={hint ? `${id}-hint` : undefined} {...rest} />
      {hint && <p class="hint" id={`${id}-hint`}>{hint}</p>}
    </div>
  );
}

export function TextArea({ label, value, onValue, hint, rows = 3 }: { label: string; value: string; onValue: (v: string) => void; hint?: string; rows?: number }) {
  const id = useRef(`f${++fieldSeq}`).current;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <textarea id={id} value={value} rows={rows} onInput={(e) => onValue(e.currentTarget.value)} aria-describedby={hint ? `${id}-hint` : undefined} />
      {hint && <p class="hint" id={`${id}-hint`}>{hint}</p>}
    </div>
  );
}

/** A labelled drop-down of fixed choices. */
export function Select<V extends string>({ label, value, onValue, options }: { label: string; value: V; onValue: (v: V) => void; options: readonly (readonly [V, string])[] }) {
  const id = useRef(`f${++fieldSeq}`).current;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onValue(e.currentTarget.value as V)}>
        {options.map(([v, text]) => <option key={v} value={v}>{text}</option>)}
      </select>
    </div>
  );
}

export function Check({ label, checked, onChange }: { label: string; checked: boolean; onChange: (v: boolean) => void }) {
  return (
    <label class="check">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.currentTarget.checked)} /> {label}
    </label>
  );
}

/** An error a person reads: announced at once (role=alert). */
export function ErrorText({ error }: { error: string | null }) {
  return error ? <p class="error" role="alert">{error}</p> : null;
}

export function Notice({ children }: { children: ComponentChildren }) {
  return <p class="notice" role="status">{children}</p>;
}

/**
 * Runs an async action once at a time: `busy` while it runs, `error` with a
 * readable message when it fails.
 */
export function useAction<A extends unknown[]>(run: (...args: A) => Promise<unknown>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const go = async (...args: A): Promise<boolean> => {
    if (busy) return false;
    setBusy(true);
    setError(null);
    try {
      await run(...args);
      return true;
    } catch (e) {
      setError(messageOf(e));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, go };
}

/** A form whose submit runs `onSubmit` (never a page load). */
export function Form({ onSubmit, children, label }: { onSubmit: () => unknown; children: ComponentChildren; label?: string }) {
  return (
    <form aria-label={label} onSubmit={(e) => {
      e.preventDefault();
      void onSubmit();
    }}>
      {children}
    </form>
  );
}

/** Sets the document title for a page. */
export function useTitle(title: string, instance?: string | null): void {
  useEffect(() => {
    document.title = instance ? `${title} · ${instance}` : title;
  }, [title, instance]);
}

export function displayHandle(handle: string | null, host: string | undefined): string {
  if (!handle) return 'someone';
  return handle.includes('@') ? `@${handle.replace(/^@/, '')}` : `@${handle}${host ? `@${host}` : ''}`;
}
