import Mustache from 'mustache';
import { AppError } from '@polyshop/kernel';
import type { ChannelType, RenderedContent } from './notification.ts';

/**
 * Templates are logic-less Mustache with the seed's `#{name}` placeholders (opening tag `#{`,
 * closing `}`): `#{orderNumber}`, sections `#{#items}…#{/items}`. Every variable a template uses
 * must be declared; a send must supply every declared variable. HTML email parts escape variables;
 * plain text (email text part, sms, push) does not.
 */
export const TEMPLATE_TAGS: [string, string] = ['#{', '}'];

/** A notification type: `order_confirmation`, `welcome`, … */
export const NOTIFICATION_TYPE_PATTERN = '^[a-z][a-z0-9_]{0,63}$';
export const VARIABLE_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]{0,63}$';

/** One version of the template of a notification type on one channel. Versions are never changed. */
export interface NotificationTemplate {
  type: string;
  channel: ChannelType;
  /** 1, 2, …: each save creates the next version; the latest is the one used. */
  version: number;
  /** Email subject / push title; required for email. */
  subject: string | null;
  /** Plain-text body. */
  body: string;
  /** HTML body (email only); variables are HTML-escaped. */
  html: string | null;
  /** Declared variable names: what a send must supply. */
  variables: string[];
  description: string | null;
  createdAt: string;
  /** The user who saved it (`null` for the built-in defaults). */
  createdBy: string | null;
}

/** What an editor submits for a new version. */
export interface TemplateContent {
  subject?: string | null;
  body: string;
  html?: string | null;
  variables: string[];
  description?: string | null;
}

type Part = 'subject' | 'body' | 'html';
type Token = [string, string, number, number, Token[]?];

function parse(source: string, part: Part): Token[] {
  try {
    return Mustache.parse(source, TEMPLATE_TAGS) as unknown as Token[];
  } catch (error) {
    throw AppError.invalidInput(
      'NOTIFICATIONS.TEMPLATE_SYNTAX',
      `The ${part} is not a valid template: ${(error as Error).message}.`,
      {
        field: part,
      },
    );
  }
}

/** The variables a template part uses at its top level (names inside a section belong to its items). */
function usedVariables(tokens: Token[], part: Part, html: boolean): string[] {
  const names: string[] = [];
  for (const [type, value] of tokens) {
    if (type === '>') {
      throw AppError.invalidInput(
        'NOTIFICATIONS.TEMPLATE_PARTIAL',
        `The ${part} uses a partial (#{> ${value}}); partials are not supported.`,
        {
          field: part,
        },
      );
    }
    if (html && type === '&') {
      throw AppError.invalidInput(
        'NOTIFICATIONS.UNESCAPED_VARIABLE',
        `The html uses "${value}" unescaped; HTML email always escapes variables.`,
        {
          field: part,
        },
      );
    }
    if (type === 'name' || type === '&' || type === '#' || type === '^') names.push(value.split('.')[0]!);
  }
  return names;
}

/**
 * Checks a new template version: email needs a subject, only email has an HTML part, every part
 * parses, and every variable it uses is declared. Throws a 400-kind AppError naming the field.
 */
export function validateTemplate(channel: ChannelType, content: TemplateContent): void {
  const declared = new Set(content.variables);
  if (declared.size !== content.variables.length) {
    throw AppError.invalidInput('NOTIFICATIONS.DUPLICATE_VARIABLE', 'A variable is declared twice.', {
      field: 'variables',
    });
  }
  if (channel === 'email' && !content.subject) {
    throw AppError.invalidInput('NOTIFICATIONS.SUBJECT_REQUIRED', 'An email template needs a subject.', {
      field: 'subject',
    });
  }
  if (channel !== 'email' && content.html) {
    throw AppError.invalidInput(
      'NOTIFICATIONS.HTML_NOT_SUPPORTED',
      `Only email templates have an HTML part, not ${channel}.`,
      { field: 'html' },
    );
  }
  const parts: [Part, string | null | undefined][] = [
    ['subject', content.subject],
    ['body', content.body],
    ['html', content.html],
  ];
  for (const [part, source] of parts) {
    if (!source) continue;
    for (const name of usedVariables(parse(source, part), part, part === 'html')) {
      if (!declared.has(name)) {
        throw AppError.invalidInput(
          'NOTIFICATIONS.UNDECLARED_VARIABLE',
          `The ${part} uses the variable "${name}", which is not declared in variables.`,
          {
            field: part,
            details: { variable: name },
          },
        );
      }
    }
  }
}

function display(value: unknown): string {
  if (Array.isArray(value)) return value.map(display).join(', ');
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '/': '&#x2F;',
  '`': '&#x60;',
  '=': '&#x3D;',
};

function escapeHtml(value: unknown): string {
  return display(value).replace(/[&<>"'`=/]/g, (ch) => HTML_ESCAPES[ch]!);
}

/** The declared variables missing from `variables` (absent, null or undefined). */
export function missingVariables(
  template: Pick<NotificationTemplate, 'variables'>,
  variables: Record<string, unknown>,
): string[] {
  return template.variables.filter((name) => variables[name] === undefined || variables[name] === null);
}

/**
 * Renders a template version. Every declared variable must be given: a missing one is an
 * `invalid_input` AppError (`NOTIFICATIONS.MISSING_VARIABLE`) naming it. Arrays render as
 * comma-separated lists; the HTML part escapes every value.
 */
export function renderTemplate(
  template: NotificationTemplate,
  variables: Record<string, unknown>,
): RenderedContent {
  const missing = missingVariables(template, variables);
  if (missing.length > 0) {
    throw AppError.invalidInput(
      'NOTIFICATIONS.MISSING_VARIABLE',
      `Template ${template.type}/${template.channel} v${template.version} needs the variable "${missing[0]}", which was not given.`,
      {
        errors: missing.map((name) => ({
          field: `variables.${name}`,
          message: 'is required by the template',
        })),
        details: { missing },
      },
    );
  }
  const text = (source: string) =>
    Mustache.render(source, variables, {}, { tags: TEMPLATE_TAGS, escape: display });
  const content: RenderedContent = { body: text(template.body) };
  if (template.subject) content.subject = text(template.subject);
  if (template.html)
    content.html = Mustache.render(template.html, variables, {}, { tags: TEMPLATE_TAGS, escape: escapeHtml });
  return content;
}
