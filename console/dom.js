// Tiny DOM helpers for the console: element building, status badges, field errors, a toast.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

export const status = (s) => h('span', { class: `status ${s}` }, s);
export const isPending = (s) => typeof s === 'string' && s.startsWith('PENDING_');

/** A table whose cells carry their column name, so narrow screens can show one record per block. */
export function table(columns, rows) {
  return h(
    'table',
    { class: 'responsive' },
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((cell, i) => h('td', { 'data-label': columns[i] }, cell))))),
  );
}

/**
 * Shows an API error next to the input it concerns: the input whose data-field is named in the message
 * (vpcdns messages name the field, e.g. "ipaddress.ip: ..."), else at the top of the form.
 */
export function showError(form, error) {
  for (const old of form.querySelectorAll('.field-error, .form-error')) old.remove();
  const message = `${error.code ? `${error.code}: ` : ''}${error.message}`;
  const inputs = [...form.querySelectorAll('[data-field]')].sort((a, b) => b.dataset.field.length - a.dataset.field.length);
  const target = inputs.find((i) => error.message.includes(i.dataset.field));
  const note = h('span', { class: target ? 'field-error' : 'form-error', role: 'alert' }, message);
  if (target) {
    target.setAttribute('aria-invalid', 'true');
    target.closest('label')?.append(note);
    target.focus();
  } else {
    form.prepend(note);
  }
}

export function toast(text) {
  const t = document.getElementById('toast');
  t.textContent = text;
  t.classList.add('show');
  setTimeout(() => t.classList.remove('show'), 2500);
}
