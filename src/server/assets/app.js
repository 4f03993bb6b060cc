// iam-refine dashboard: the few interactions pages need. Served from /static/app.js (the CSP
// allows scripts from this origin only; pages carry no inline script). Everything works without
// it except the copy buttons.
/* global document, navigator, window */

'use strict';

/** Copies the text of the element whose id is in the button's data-copy attribute. */
function setUpCopyButtons() {
  for (const button of document.querySelectorAll('button[data-copy]')) {
    button.addEventListener('click', async () => {
      const target = document.getElementById(button.getAttribute('data-copy') || '');
      if (!target) return;
      const text = target.textContent || '';
      const status = button.parentElement && button.parentElement.querySelector('.copy-status');
      let ok = false;
      try {
        await navigator.clipboard.writeText(text);
        ok = true;
      } catch {
        // No clipboard permission (e.g. an old browser): select the text so Ctrl+C copies it.
        const range = document.createRange();
        range.selectNodeContents(target);
        const selection = window.getSelection();
        if (selection) {
          selection.removeAllRanges();
          selection.addRange(range);
        }
      }
      if (status) {
        status.textContent = ok ? 'Copied' : 'Selected: press Ctrl+C';
        window.setTimeout(() => {
          status.textContent = '';
        }, 2500);
      }
    });
  }
}

/** Submits a filter form as soon as one of its selects changes. */
function setUpAutoSubmit() {
  for (const form of document.querySelectorAll('form[data-autosubmit]')) {
    for (const select of form.querySelectorAll('select')) {
      select.addEventListener('change', () => form.requestSubmit());
    }
  }
}

/** In the archive-rule form, hints what the values field takes for the chosen operator. */
function setUpCriteriaRows() {
  for (const row of document.querySelectorAll('tr[data-criterion]')) {
    const op = row.querySelector('select[name="op"]');
    const values = row.querySelector('input[name="values"]');
    if (!op || !values) continue;
    const hint = () => {
      values.placeholder = op.value === 'exists' ? 'true or false' : 'values, separated by commas';
    };
    op.addEventListener('change', hint);
    hint();
  }
}

document.addEventListener('DOMContentLoaded', () => {
  setUpCopyButtons();
  setUpAutoSubmit();
  setUpCriteriaRows();
});
