import type { JSX } from 'preact';

/**
 * A labelled input with its error beside it: `aria-invalid` and `aria-describedby` point at the message,
 * which is announced (`role="alert"`) when it appears.
 */
export function Field(
  props: { name: string; label: string; error: string | undefined } & Omit<
    JSX.InputHTMLAttributes<HTMLInputElement>,
    'name' | 'label'
  >,
) {
  const { name, label, error, ...input } = props;
  return (
    <div class="field">
      <label for={name}>{label}</label>
      <input
        {...input}
        id={name}
        name={name}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={`${name}-error`}
      />
      <span id={`${name}-error`} class="field-error" role="alert">
        {error}
      </span>
    </div>
  );
}
