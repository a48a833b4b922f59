import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api } from '../api.js';
import { useForm } from '../components.js';
import { prettyJson } from '../format.js';

/** How a kwargs property is edited: enum → select, string/number/boolean → inputs, the rest as JSON. */
function kindOf(schema) {
  if (Array.isArray(schema.enum)) return 'enum';
  const type = Array.isArray(schema.type) ? schema.type.find((item) => item !== 'null') : schema.type;
  if (type === 'integer' || type === 'number') return 'number';
  return ['string', 'boolean'].includes(type) ? type : 'json';
}

/** The form value showing `preset` (a schema default, or a kwarg when leaving raw JSON mode). */
function formValue({ schema, required }, preset) {
  const kind = kindOf(schema);
  if (kind === 'boolean') return Boolean(preset);
  if (kind === 'enum') return preset !== undefined ? String(schema.enum.indexOf(preset)) : required ? '0' : '';
  if (kind === 'json') return preset !== undefined ? prettyJson(preset) : '';
  return preset !== undefined ? String(preset) : '';
}

const formValues = (fields, presetOf) => Object.fromEntries(fields.map((field) => [field.name, formValue(field, presetOf(field))]));

/** Form values → the kwargs object; throws with a readable message on bad input. */
function collect(fields, values) {
  const kwargs = {};
  for (const { name, schema, required } of fields) {
    const value = values[name];
    const kind = kindOf(schema);
    if (kind === 'boolean') kwargs[name] = value;
    else if (kind === 'enum') {
      if (value !== '') kwargs[name] = schema.enum[Number(value)];
    } else if (kind === 'number') {
      if (value === '') continue;
      if (Number.isNaN(Number(value))) throw new Error(`${name}: not a number`);
      kwargs[name] = Number(value);
    } else if (kind === 'json') {
      if (!value.trim()) continue;
      try {
        kwargs[name] = JSON.parse(value);
      } catch {
        throw new Error(`${name}: not valid JSON`);
      }
    } else if (value !== '' || required) kwargs[name] = value;
  }
  return kwargs;
}

export function RunForm({ task, onClose }) {
  const schema = task.kwargs_schema ?? {};
  const requiredNames = schema.required ?? [];
  const fields = Object.entries(schema.properties ?? {}).map(([name, property]) => ({ name, schema: property, required: requiredNames.includes(name) }));
  const freeForm = fields.length === 0; // no declared properties: only raw JSON makes sense

  const [values, setValues] = useState(() => formValues(fields, (field) => field.schema.default));
  const [raw, setRaw] = useState(freeForm ? '{}' : null); // null: editing fields
  const [extra, bind] = useForm({ resource: '', priority: '' });
  const [problems, setProblems] = useState([]);
  const [busy, setBusy] = useState(false);

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
      setProblems([error instanceof SyntaxError ? 'kwargs: not valid JSON' : error.message]);
    }
  };

  const submit = async (event) => {
    event.preventDefault();
    setProblems([]);
    let kwargs;
    try {
      kwargs = raw === null ? collect(fields, values) : JSON.parse(raw || '{}');
    } catch (error) {
      return setProblems([error instanceof SyntaxError ? 'kwargs: not valid JSON' : error.message]);
    }
    const body = { task_name: task.task_name, kwargs };
    if (extra.resource.trim()) body.resource = extra.resource.trim();
    if (extra.priority !== '') body.priority = Number(extra.priority);
    setBusy(true);
    try {
      const started = await api('/tasks/execute', { method: 'POST', body });
      location.hash = `#/executions/${started.execution_id}`;
    } catch (error) {
      setProblems(error.messages ?? [error.message]);
      setBusy(false);
    }
  };

  return html`<form class="run-form" data-testid="run-form" onSubmit=${submit}>
    ${raw === null
      ? html`<div class="form-grid">${fields.map((field) => html`<${Field} key=${field.name} field=${field} value=${values[field.name]} onChange=${setValue} />`)}</div>`
      : html`<label class="wide">kwargs (JSON object)
          <textarea name="kwargs" rows="6" spellcheck="false" value=${raw} onInput=${(event) => setRaw(event.currentTarget.value)}></textarea></label>`}
    <div class="form-grid">
      <label><span>Resource <span class="muted">(optional)</span></span>
        <input name="resource" ...${bind('resource')} /></label>
      <label><span>Priority <span class="muted">(1–100, optional)</span></span>
        <input name="priority" type="number" min="1" max="100" ...${bind('priority')} /></label>
    </div>
    ${problems.length > 0 && html`<ul class="error-note" role="alert">${problems.map((text) => html`<li key=${text}>${text}</li>`)}</ul>`}
    <div class="form-actions">
      <button type="submit" class="primary" data-testid="submit-run" disabled=${busy}>${busy ? 'Starting…' : 'Run'}</button>
      ${!freeForm && html`<button type="button" class="ghost" onClick=${toggleRaw}>${raw === null ? 'Raw JSON' : 'Form fields'}</button>`}
      <button type="button" class="ghost" onClick=${onClose}>Close</button>
    </div>
  </form>`;
}

function Field({ field, value, onChange }) {
  const { name, schema, required } = field;
  const kind = kindOf(schema);
  const inputName = `kwarg-${name}`;
  const label = html`<span>${name}${required && html`<span class="required" title="required"> *</span>`}</span>`;
  const hint = schema.description && html`<small class="muted">${schema.description}</small>`;
  const read = (event) => onChange(name, event.currentTarget.value);

  if (kind === 'boolean') {
    return html`<label class="check"><input type="checkbox" name=${inputName} checked=${value}
      onChange=${(event) => onChange(name, event.currentTarget.checked)} />${label}${hint}</label>`;
  }
  let control;
  if (kind === 'enum') {
    control = html`<select name=${inputName} value=${value} required=${required} onChange=${read}>
      ${!required && html`<option value="">—</option>`}
      ${schema.enum.map((option, index) => html`<option key=${index} value=${String(index)}>${String(option)}</option>`)}
    </select>`;
  } else if (kind === 'number') {
    control = html`<input type="number" name=${inputName} value=${value} required=${required} min=${schema.minimum} max=${schema.maximum}
      step=${schema.type === 'integer' ? 1 : 'any'} onInput=${read} />`;
  } else if (kind === 'string') {
    control = html`<input name=${inputName} value=${value} required=${required} maxlength=${schema.maxLength} onInput=${read} />`;
  } else {
    control = html`<textarea name=${inputName} rows="3" spellcheck="false" placeholder="JSON" value=${value} onInput=${read}></textarea>`;
  }
  return html`<label class=${kind === 'json' ? 'wide' : ''}>${label}${control}${hint}</label>`;
}
