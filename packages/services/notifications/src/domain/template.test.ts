import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '@polyshop/kernel';
import { aTemplate } from '../../test/support/builders.ts';
import { DEFAULT_TEMPLATES } from './default-templates.ts';
import { renderTemplate, validateTemplate } from './template.ts';

function rejectsWith(run: () => unknown, code: string, field: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof AppError, String(error));
    assert.equal(error.kind, 'invalid_input');
    assert.equal(error.code, code);
    assert.equal(error.field, field);
    return true;
  });
}

describe('renderTemplate', () => {
  it('fills the seed subject "Order Confirmed - #{orderNumber}"', () => {
    const content = renderTemplate(aTemplate(), { orderNumber: 'ORD-12345', customerName: 'John Doe' });
    assert.equal(content.subject, 'Order Confirmed - ORD-12345');
    assert.equal(content.body, 'Dear John Doe, your order ORD-12345 is confirmed.');
  });

  it('fails naming the variable when a declared one is missing', () => {
    rejectsWith(
      () => renderTemplate(aTemplate(), { customerName: 'John' }),
      'NOTIFICATIONS.MISSING_VARIABLE',
      'variables.orderNumber',
    );
    assert.throws(
      () => renderTemplate(aTemplate(), { customerName: 'John', orderNumber: null }),
      /needs the variable "orderNumber"/,
    );
  });

  it('escapes variables in the HTML part and leaves plain text as given', () => {
    const content = renderTemplate(aTemplate(), {
      orderNumber: 'ORD-1',
      customerName: '<script>alert("x")</script> & Co',
    });
    assert.equal(
      content.html,
      '<p>Dear &lt;script&gt;alert(&quot;x&quot;)&lt;&#x2F;script&gt; &amp; Co, your order ORD-1 is confirmed.</p>',
    );
    assert.equal(content.body, 'Dear <script>alert("x")</script> & Co, your order ORD-1 is confirmed.');
  });

  it('renders lists as comma-separated values and iterates sections', () => {
    const template = aTemplate({
      body: 'For #{productNames}: #{#items}#{quantity} x #{name}; #{/items}',
      html: null,
      variables: ['productNames', 'items'],
    });
    const content = renderTemplate(template, {
      productNames: ['iPhone 15', 'AirPods Pro'],
      items: [
        { name: 'iPhone 15', quantity: 1 },
        { name: 'AirPods Pro', quantity: 2 },
      ],
    });
    assert.equal(content.body, 'For iPhone 15, AirPods Pro: 1 x iPhone 15; 2 x AirPods Pro; ');
  });
});

describe('validateTemplate', () => {
  it('accepts every built-in template', () => {
    for (const { channel, ...content } of DEFAULT_TEMPLATES) validateTemplate(channel, content);
  });

  it('rejects a variable that is used but not declared, naming the part', () => {
    rejectsWith(
      () => validateTemplate('email', { subject: 'Hi #{name}', body: 'x', variables: [] }),
      'NOTIFICATIONS.UNDECLARED_VARIABLE',
      'subject',
    );
    rejectsWith(
      () => validateTemplate('sms', { body: 'Total #{total}', variables: ['orderNumber'] }),
      'NOTIFICATIONS.UNDECLARED_VARIABLE',
      'body',
    );
    rejectsWith(
      () =>
        validateTemplate('email', { subject: 's', body: 'b', html: '#{#items}x#{/items}', variables: [] }),
      'NOTIFICATIONS.UNDECLARED_VARIABLE',
      'html',
    );
  });

  it('rejects broken syntax, partials, unescaped HTML variables, and channel mismatches', () => {
    rejectsWith(
      () => validateTemplate('sms', { body: '#{#items} open', variables: ['items'] }),
      'NOTIFICATIONS.TEMPLATE_SYNTAX',
      'body',
    );
    rejectsWith(
      () => validateTemplate('sms', { body: '#{> footer}', variables: [] }),
      'NOTIFICATIONS.TEMPLATE_PARTIAL',
      'body',
    );
    rejectsWith(
      () => validateTemplate('email', { subject: 's', body: 'b', html: '#{& name}', variables: ['name'] }),
      'NOTIFICATIONS.UNESCAPED_VARIABLE',
      'html',
    );
    rejectsWith(
      () => validateTemplate('email', { body: 'b', variables: [] }),
      'NOTIFICATIONS.SUBJECT_REQUIRED',
      'subject',
    );
    rejectsWith(
      () => validateTemplate('push', { body: 'b', html: '<p>b</p>', variables: [] }),
      'NOTIFICATIONS.HTML_NOT_SUPPORTED',
      'html',
    );
    rejectsWith(
      () => validateTemplate('sms', { body: 'b', variables: ['a', 'a'] }),
      'NOTIFICATIONS.DUPLICATE_VARIABLE',
      'variables',
    );
  });
});
