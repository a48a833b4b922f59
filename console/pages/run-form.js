// @ts-check
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { api, ApiError } from '../api.js';
import { useForm } from '../hooks.js';
import { errorText, prettyJson } from '../format.js';
import { toast } from '../toasts.js';
import { showExecutionsOf } from './executions.js';

/** @typedef {import('../types.js').JsonSchema} JsonSchema */
/** @typedef {{ name: string, schema: JsonSchema, required: boolean }} KwargField one property of the kwargs schema */
/** @typedef {Record<string, string | boolean>} FormValues by field name; booleans for checkboxes only */
/** @typedef {import('../hooks.js').FieldEvent} FieldEvent */

/**
 * How a kwargs property is edited: enum → select, string/number/boolean → inputs, the rest as JSON.
 * @param {JsonSchema} schema
 * @returns {'enum' | 'number' | 'string' | 'boolean' | 'json'}
 */
function kindOf(schema) {
  if (Array.isArray(schema.enum)) return 'enum';
  const type = Array.isArray(schema.type) ? schema.type.find((item) => item !== 'null') : schema.type;
  if (type === 'integer' || type === 'number') return 'number';
  return type === 'string' || type === 'boolean' ? type : 'json';
}

/**
 * The form value showing `preset` (a schema default, or a kwarg when leaving raw JSON mode).
 * @param {KwargField} field
 * @param {unknown} preset
 * @returns {string | boolean}
 */
function formValue({ schema, required }, preset) {
  const kind = kindOf(schema);
  if (kind === 'boolean') return Boolean(preset);
  if (kind === 'enum') return preset !== undefined ? String(schema.enum?.indexOf(preset)) : required ? '0' : '';
  if (kind === 'json') return preset !== undefined ? prettyJson(preset) : '';
  return preset !== undefined ? String(preset) : '';
}

/**
 * @param {KwargField[]} fields
 * @param {(field: KwargField) => unknown} presetOf
 * @returns {FormValues}
 */
const formValues = (fields, presetOf) => Object.fromEntries(fields.map((field) => [field.name, formValue(field, presetOf(field))]));

/**
 * Form values → the kwargs object; throws with a readable message on bad input.
 * @param {KwargField[]} fields
 * @param {FormValues} values
 */
function collect(fields, values) {
  /** @type {Record<string, unknown>} */
  const kwargs = {};
  for (const { name, schema, required } of fields) {
    const value = values[name];
    const kind = kindOf(schema);
    if (kind === 'boolean') kwargs[name] = value;
    else if (kind === 'enum') {
      if (value !== '') kwargs[name] = schema.enum?.[Number(value)];
    } else if (kind === 'number') {
      if (value === '') continue;
      if (Number.isNaN(Number(value))) throw new Error(`${name}: not a number`);
      kwargs[name] = Number(value);
    } else if (kind === 'json') {
      const text = /** @type {string} */ (value); // only a checkbox holds a boolean
      if (!text.trim()) continue;
      try {
        kwargs[name] = JSON.parse(text);
      } catch {
        throw new Error(`${name}: not valid JSON`);
      }
    } else if (value !== '' || required) kwargs[name] = value;
  }
  return kwargs;
}

/** @param {unknown} error a `SyntaxError` from `JSON.parse`, or the `Error` that `collect` throws */
const problemOf = (error) => (error instanceof SyntaxError ? 'kwargs: not valid JSON' : errorText(error));

/** @param {{ task: import('../types.js').TaskCatalogEntry, onClose: () => void }} props */
export function RunForm({ task, onClose }) {
  const schema = task.kwargs_schema ?? {};
  const requiredNames = schema.required ?? [];
  const fields = Object.entries(schema.properties ?? {}).map(([name, property]) => ({
    name,
    schema: property,
    required: requiredNames.includes(name),
  }));
  const freeForm = fields.length === 0; // no declared properties: only raw JSON makes sense

  const [values, setValues] = useState(() => formValues(fields, (field) => field.schema.default));
  const [raw, setRaw] = useState(freeForm ? '{}' : null); // null: editing fields
  const [extra, bind] = useForm({ resource: '', priority: '', copies: '1' });
  const [problems, setProblems] = useState(/** @type {string[]} */ ([]));
  const [busy, setBusy] = useState(false);

  const explanation = useExplanation(
    task.task_name,
    () => (raw === null ? collect(fields, values) : JSON.parse(raw || '{}')),
    extra.resource,
    [values, raw, extra.resource],
  );

  /** @type {(name: string, value: string | boolean) => void} */
  const setValue = (name, value) => setValues({ ...values, [name]: value });
  const toggleRaw = () => {
    try {
      if (raw === null) setRaw(prettyJson(collect(fields, values)));
      else {
        const kwargs = JSON.parse(raw);
        setValues(formValues(fields, (field) => kwargs[field.name]));
        setRaw(null);
      }
      setProblems([]);
    } catch (error) {
      setProblems([problemOf(error)]);
    }
  };

  /** @param {Event} event */
  const submit = async (event) => {
    event.preventDefault();
    setProblems([]);
    let kwargs;
    try {
      kwargs = raw === null ? collect(fields, values) : JSON.parse(raw || '{}');
    } catch (error) {
      return setProblems([problemOf(error)]);
    }
    /** @type {{ task_name: string, kwargs: unknown, resource?: string, priority?: number }} */
    const body = { task_name: task.task_name, kwargs };
    if (extra.resource.trim()) body.resource = extra.resource.trim();
    if (extra.priority !== '') body.priority = Number(extra.priority);
    const copies = Number(extra.copies || 1);
    setBusy(true);
    try {
      if (copies > 1) return await runBatch(body, copies);
      /** @type {import('../types.js').ExecutionAccepted} */
      const started = await api('/tasks/execute', { method: 'POST', body });
      location.hash = `#/executions/${started.execution_id}`;
    } catch (error) {
      setProblems(error instanceof ApiError ? error.messages : [errorText(error)]);
      setBusy(false);
    }
  };

  /**
   * Several runs of the same input in one request (`POST /tasks/execute-batch`); the list then shows
   * this task's executions. Each item is answered on its own: refusals are shown, not thrown.
   * @param {object} body
   * @param {number} copies
   */
  const runBatch = async (body, copies) => {
    /** @type {import('../types.js').BatchResult} */
    const answer = await api('/tasks/execute-batch', { method: 'POST', body: { items: Array.from({ length: copies }, () => body) } });
    if (answer.accepted === 0) {
      setProblems([...new Set(answer.results.flatMap((item) => item.error ?? []))]);
      setBusy(false);
      return;
    }
    toast(`${answer.accepted} started${answer.rejected ? `, ${answer.rejected} refused` : ''}`, answer.rejected ? 'error' : 'success');
    showExecutionsOf(task.task_name);
    location.hash = '#/executions';
  };

  return html`<form class="run-form" data-testid="run-form" onSubmit=${submit}>
    ${
      raw === null
        ? html`<div class="form-grid">
            ${fields.map((field) => html`<${Field} key=${field.name} field=${field} value=${values[field.name]} onChange=${setValue} />`)}
          </div>`
        : html`<label class="wide"
            >kwargs (JSON object)
            <textarea
              name="kwargs"
              rows="6"
              spellcheck="false"
              value=${raw}
              onInput=${(/** @type {FieldEvent} */ event) => setRaw(event.currentTarget.value)}
            ></textarea>
          </label>`
    }
    <div class="form-grid">
      <label
        ><span>Resource <span class="muted">(optional)</span></span> <input name="resource" ...${bind('resource')}
      /></label>
      <label
        ><span>Priority <span class="muted">(1–100, optional)</span></span>
        <input name="priority" type="number" min="1" max="100" ...${bind('priority')}
      /></label>
      <label
        ><span>Copies <span class="muted">(1–1000: more than one runs them as one batch)</span></span>
        <input name="copies" type="number" min="1" max="1000" data-testid="run-copies" ...${bind('copies')}
      /></label>
    </div>
    <${Explanation} state=${explanation} />
    ${
      problems.length > 0 &&
      html`<ul class="error-note" role="alert">
        ${problems.map((text) => html`<li key=${text}>${text}</li>`)}
      </ul>`
    }
    <div class="form-actions">
      <button type="submit" class="primary" data-testid="submit-run" disabled=${busy}>
        ${busy ? 'Starting…' : explanation.answer?.outcome === 'approval' ? 'Ask for approval' : 'Run'}
      </button>
      ${!freeForm && html`<button type="button" class="ghost" onClick=${toggleRaw}>${raw === null ? 'Raw JSON' : 'Form fields'}</button>`}
      <button type="button" class="ghost" onClick=${onClose}>Close</button>
    </div>
  </form>`;
}

/** How long the form must rest before it is explained again: one request per pause in typing, not per key. */
const EXPLAIN_AFTER_MS = 300;

/**
 * @typedef {object} ExplanationState
 * @property {import('../types.js').Explanation} [answer] what execute would decide (`POST /tasks/explain`)
 * @property {string[]} [problems] why the request would be a 400, or why the input cannot be read
 */

/**
 * What execute would decide for the form's request (SPEC 7.12), asked again whenever the form
 * rests; the answer of an older request never replaces a newer one.
 * @param {string} taskName
 * @param {() => unknown} readKwargs throws when the input cannot be read
 * @param {string} resource
 * @param {ReadonlyArray<unknown>} deps
 * @returns {ExplanationState}
 */
function useExplanation(taskName, readKwargs, resource, deps) {
  const [state, setState] = useState(/** @type {ExplanationState} */ ({}));
  useEffect(() => {
    let current = true;
    const timer = setTimeout(async () => {
      let kwargs;
      try {
        kwargs = readKwargs();
      } catch (error) {
        return setState({ problems: [problemOf(error)] });
      }
      /** @type {{ task_name: string, kwargs: unknown, resource?: string }} */
      const body = { task_name: taskName, kwargs };
      if (resource.trim()) body.resource = resource.trim();
      try {
        /** @type {import('../types.js').Explanation} */
        const answer = await api('/tasks/explain', { method: 'POST', body });
        if (current) setState({ answer });
      } catch (error) {
        if (current) setState({ problems: error instanceof ApiError ? error.messages : [errorText(error)] });
      }
    }, EXPLAIN_AFTER_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, deps);
  return state;
}

const OUTCOME_WORDS = { run: 'Runs at once', approval: 'Waits for approval', denied: 'Refused' };

/** @param {{ state: ExplanationState }} props */
function Explanation({ state }) {
  const { answer, problems } = state;
  if (problems) {
    return html`<div class="explanation" data-testid="explanation" data-outcome="invalid">
      <strong>Would be refused (400)</strong>
      <ul>
        ${problems.map((text) => html`<li key=${text}>${text}</li>`)}
      </ul>
    </div>`;
  }
  if (!answer) return html`<div class="explanation muted" data-testid="explanation">Checking your permissions…</div>`;
  return html`<div class="explanation" data-testid="explanation" data-outcome=${answer.outcome}>
    <strong class=${`outcome-${answer.outcome}`}>${OUTCOME_WORDS[answer.outcome]}</strong>
    <ul>
      ${answer.permissions.map(
        (entry) =>
          html`<li key=${entry.permission} data-testid="explained-permission" data-outcome=${entry.outcome}>
            <code>${entry.permission}</code>: ${entry.via ? `granted ${entry.via === 'admin' ? 'as admin' : entry.via}` : 'not granted'}
            ${entry.reason && html` — ${entry.reason}`}
          </li>`,
      )}
    </ul>
  </div>`;
}

/** @param {{ field: KwargField, value: string | boolean, onChange: (name: string, value: string | boolean) => void }} props */
function Field({ field, value, onChange }) {
  const { name, schema, required } = field;
  const kind = kindOf(schema);
  const inputName = `kwarg-${name}`;
  const label = html`<span>${name}${required && html`<span class="required" title="required"> *</span>`}</span>`;
  const hint = schema.description && html`<small class="muted">${schema.description}</small>`;
  /** @param {FieldEvent} event */
  const read = (event) => onChange(name, event.currentTarget.value);

  if (kind === 'boolean') {
    return html`<label class="check"
      ><input
        type="checkbox"
        name=${inputName}
        checked=${value}
        onChange=${(/** @type {FieldEvent} */ event) => onChange(name, event.currentTarget.checked)}
      />${label}${hint}</label
    >`;
  }
  let control;
  if (kind === 'enum') {
    control = html`<select name=${inputName} value=${value} required=${required} onChange=${read}>
      ${!required && html`<option value="">—</option>`}
      ${schema.enum?.map((option, index) => html`<option key=${index} value=${String(index)}>${String(option)}</option>`)}
    </select>`;
  } else if (kind === 'number') {
    control = html`<input
      type="number"
      name=${inputName}
      value=${value}
      required=${required}
      min=${schema.minimum}
      max=${schema.maximum}
      step=${schema.type === 'integer' ? 1 : 'any'}
      onInput=${read}
    />`;
  } else if (kind === 'string') {
    // A sensitive (writeOnly) argument is typed like a password: not shown on screen, not autofilled.
    control = html`<input
      name=${inputName}
      type=${schema.writeOnly ? 'password' : 'text'}
      autocomplete=${schema.writeOnly ? 'off' : undefined}
      value=${value}
      required=${required}
      maxlength=${schema.maxLength}
      onInput=${read}
    />`;
  } else {
    control = html`<textarea name=${inputName} rows="3" spellcheck="false" placeholder="JSON" value=${value} onInput=${read}></textarea>`;
  }
  return html`<label class=${kind === 'json' ? 'wide' : ''}>${label}${control}${hint}</label>`;
}
