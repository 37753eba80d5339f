import { useEffect, useState } from 'preact/hooks';
import type { paths } from '@polyshop/client';
import { api } from '../session.ts';
import { callApi } from '../call-api.ts';
import '../pages.css';
import '../operations.css';

type Listing = paths['/products/']['get']['responses'][200]['content']['application/json'];
type Product = Listing['items'][number];
type Category =
  paths['/products/categories']['get']['responses'][200]['content']['application/json']['items'][number];
type ListingQuery = NonNullable<paths['/products/']['get']['parameters']['query']>;

/** The fields the editor changes (a PATCH sends those that differ). */
interface Draft {
  name: string;
  basePrice: string;
  status: Product['status'];
  description: string;
}

const STATUSES = ['active', 'draft', 'archived'] as const;

/**
 * The catalogue (`GET /products`): filters by category, status and the category's facets
 * (`attr.<name>=v1,v2`, with the counts the listing gives); a product edited with optimistic
 * concurrency — `PATCH /products/{id}` with `If-Match` the ETag read — and a 412 (changed meanwhile,
 * e.g. in another tab) shown with both versions and a way to reload. Editing needs `products:write`.
 */
export function CataloguePage(props: { canEdit: boolean; onExpired: () => void }) {
  const [categories, setCategories] = useState<Category[]>([]);
  const [category, setCategory] = useState('');
  const [status, setStatus] = useState('any');
  const [chosen, setChosen] = useState<Record<string, string[]>>({});
  const [listing, setListing] = useState<Listing>();
  const [error, setError] = useState<string>();
  const [editing, setEditing] = useState<string>();
  const [reads, setReads] = useState(0);

  useEffect(() => {
    void callApi(props.onExpired, () => api.GET('/products/categories')).then((answer) =>
      answer.ok ? setCategories(answer.data.items) : setError(answer.text),
    );
  }, []);

  /** The listing's query for the filters chosen (`attr.<name>` only with a category). */
  const queryOf = (cursor?: string) => {
    const query: ListingQuery & Record<string, string> = { status, limit: '50' };
    if (cursor) query.cursor = cursor;
    if (category) {
      query.category = category;
      for (const [name, values] of Object.entries(chosen))
        if (values.length > 0) query[`attr.${name}`] = values.join(',');
    }
    return query;
  };
  const read = (cursor?: string) =>
    callApi(props.onExpired, () =>
      api.GET('/products/', { params: { query: queryOf(cursor) }, headers: { 'cache-control': 'no-cache' } }),
    );

  useEffect(() => {
    let stopped = false;
    void read().then((answer) => {
      if (stopped) return;
      if (!answer.ok) return setError(answer.text);
      setError(undefined);
      setListing(answer.data);
    });
    return () => {
      stopped = true;
    };
  }, [category, status, chosen, reads]);

  /** The next page (keyset cursor) added below the products shown. */
  async function more() {
    if (!listing?.nextCursor) return;
    const answer = await read(listing.nextCursor);
    if (!answer.ok) return setError(answer.text);
    setListing({ ...answer.data, items: [...listing.items, ...answer.data.items] });
  }

  const toggle = (name: string, value: string, on: boolean) =>
    setChosen((before) => {
      const values = (before[name] ?? []).filter((v) => v !== value);
      return { ...before, [name]: on ? [...values, value] : values };
    });

  return (
    <>
      <div class="toolbar">
        <div class="field">
          <label for="catalogue-category">Category</label>
          <select
            id="catalogue-category"
            value={category}
            onChange={(event) => {
              setChosen({});
              setCategory(event.currentTarget.value);
            }}
          >
            <option value="">All categories</option>
            {categories.map((c) => (
              <option key={c.slug} value={c.slug}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="catalogue-status">Status</label>
          <select
            id="catalogue-status"
            value={status}
            onChange={(event) => setStatus(event.currentTarget.value)}
          >
            <option value="any">Any</option>
            <StatusOptions />
          </select>
        </div>
      </div>
      {listing && Object.keys(listing.facets).length > 0 && (
        <Facets facets={listing.facets} chosen={chosen} onToggle={toggle} />
      )}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <p role="status">
        {listing
          ? `${listing.items.length}${listing.nextCursor ? '+' : ''} product${listing.items.length === 1 && !listing.nextCursor ? '' : 's'} shown.`
          : 'Reading the catalogue…'}
      </p>
      {editing && (
        <ProductEditor
          key={editing}
          id={editing}
          onExpired={props.onExpired}
          onClose={() => setEditing(undefined)}
          onSaved={() => setReads((n) => n + 1)}
        />
      )}
      {listing && listing.items.length > 0 && (
        <div class="table-scroll" tabIndex={0} role="region" aria-labelledby="products-caption">
          <table>
            <caption id="products-caption">Products</caption>
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col">Category</th>
                <th scope="col">Brand</th>
                <th scope="col" class="number">
                  Base price
                </th>
                <th scope="col">Status</th>
                <th scope="col" class="number">
                  Version
                </th>
                {props.canEdit && <th scope="col">Edit</th>}
              </tr>
            </thead>
            <tbody>
              {listing.items.map((product) => (
                <tr key={product.id}>
                  <th scope="row">{product.name}</th>
                  <td>{product.category}</td>
                  <td>{product.brand ?? '–'}</td>
                  <td class="number">
                    {product.basePrice} {product.currency}
                  </td>
                  <td>{product.status}</td>
                  <td class="number">{product.version}</td>
                  {props.canEdit && (
                    <td>
                      <button
                        type="button"
                        class="secondary"
                        aria-label={`Edit ${product.name}`}
                        onClick={() => setEditing(product.id)}
                      >
                        Edit
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {listing?.nextCursor && (
        <button type="button" class="secondary" onClick={() => void more()}>
          Show more products
        </button>
      )}
    </>
  );
}

function Facets(props: {
  facets: Listing['facets'];
  chosen: Record<string, string[]>;
  onToggle: (name: string, value: string, on: boolean) => void;
}) {
  return (
    <div class="facet-groups">
      {Object.entries(props.facets).map(([name, values]) => (
        <fieldset key={name} class="facets">
          <legend>{name}</legend>
          {values.map(({ value, count }) => {
            const text = String(value);
            const id = `facet-${name}-${text}`.replace(/[^a-zA-Z0-9_-]/g, '_');
            return (
              <span key={text} class="facet">
                <input
                  type="checkbox"
                  id={id}
                  checked={props.chosen[name]?.includes(text) ?? false}
                  onChange={(event) => props.onToggle(name, text, event.currentTarget.checked)}
                />{' '}
                <label for={id}>
                  {text} <span class="muted">({count})</span>
                </label>
              </span>
            );
          })}
        </fieldset>
      ))}
    </div>
  );
}

/** The product as read, with the ETag its answer carried (the If-Match of the next write). */
interface Read {
  product: Product;
  etag: string;
}

function ProductEditor(props: {
  id: string;
  onExpired: () => void;
  onClose: () => void;
  onSaved: () => void;
}) {
  const [read, setRead] = useState<Read>();
  const [draft, setDraft] = useState<Draft>();
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState<string>();
  /** The product as the store holds it now, when a save was refused with 412. */
  const [conflict, setConflict] = useState<Read>();

  async function load() {
    const answer = await callApi(props.onExpired, () =>
      api.GET('/products/{id}', { params: { path: { id: props.id } } }),
    );
    if (!answer.ok) return setError(answer.text);
    const fresh = {
      product: answer.data,
      etag: answer.response.headers.get('etag') ?? `"${answer.data.version}"`,
    };
    setRead(fresh);
    setDraft(draftOf(fresh.product));
    setConflict(undefined);
    setError(undefined);
    return fresh;
  }
  useEffect(() => {
    void load();
  }, [props.id]);

  async function save(event: Event) {
    event.preventDefault();
    if (!read || !draft) return;
    setSaved(undefined);
    const patch = changes(read.product, draft);
    if (Object.keys(patch).length === 0) return setError('Nothing changed.');
    const answer = await callApi(props.onExpired, () =>
      api.PATCH('/products/{id}', {
        params: { path: { id: props.id } },
        headers: { 'if-match': read.etag },
        body: patch,
      }),
    );
    if (answer.ok) {
      setRead({
        product: answer.data,
        etag: answer.response.headers.get('etag') ?? `"${answer.data.version}"`,
      });
      setDraft(draftOf(answer.data));
      setError(undefined);
      setSaved(`Saved: version ${answer.data.version}.`);
      return props.onSaved();
    }
    if (answer.status === 412) {
      const now = await callApi(props.onExpired, () =>
        api.GET('/products/{id}', { params: { path: { id: props.id } } }),
      );
      if (now.ok) setConflict({ product: now.data, etag: now.response.headers.get('etag') ?? '' });
      return setError(undefined);
    }
    setError(answer.text);
  }

  if (!read || !draft) return <p role="status">{error ?? 'Reading the product…'}</p>;
  const set = (field: keyof Draft) => (event: Event) =>
    setDraft({ ...draft, [field]: (event.currentTarget as HTMLInputElement).value });
  return (
    <section class="panel" aria-labelledby="editor-title">
      <h2 id="editor-title">
        Edit {read.product.name} <span class="muted">(version {read.product.version})</span>
      </h2>
      {conflict && (
        <div class="conflict" role="alert">
          <h3>Changed elsewhere: not saved (412)</h3>
          <p>
            Someone (another tab, another operator) saved this product after you opened it: you edited version{' '}
            {read.product.version}, the catalogue now holds version {conflict.product.version}. Your changes
            were not applied, so theirs are not overwritten.
          </p>
          <ul>
            {(Object.keys(draft) as (keyof Draft)[])
              .filter((field) => String(conflict.product[field] ?? '') !== draft[field])
              .map((field) => (
                <li key={field}>
                  {field}: now “{String(conflict.product[field] ?? '')}”, yours “{draft[field]}”
                </li>
              ))}
          </ul>
          <button type="button" onClick={() => void load()}>
            Reload the product
          </button>
        </div>
      )}
      <form onSubmit={(event) => void save(event)}>
        <div class="toolbar">
          <div class="field">
            <label for="edit-name">Name</label>
            <input id="edit-name" value={draft.name} onInput={set('name')} required />
          </div>
          <div class="field">
            <label for="edit-price">Base price ({read.product.currency})</label>
            <input
              id="edit-price"
              value={draft.basePrice}
              onInput={set('basePrice')}
              inputMode="decimal"
              required
            />
          </div>
          <div class="field">
            <label for="edit-status">Status</label>
            <select id="edit-status" value={draft.status} onChange={set('status')}>
              <StatusOptions />
            </select>
          </div>
        </div>
        <div class="field">
          <label for="edit-description">Description</label>
          <textarea id="edit-description" rows={3} value={draft.description} onInput={set('description')} />
        </div>
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
        <p role="status" class="good">
          {saved}
        </p>
        <div class="actions">
          <button type="button" class="secondary" onClick={props.onClose}>
            Close
          </button>
          <button type="submit" disabled={conflict !== undefined}>
            Save
          </button>
        </div>
      </form>
    </section>
  );
}

/** An `<option>` per product status. */
function StatusOptions() {
  return (
    <>
      {STATUSES.map((s) => (
        <option key={s} value={s}>
          {s}
        </option>
      ))}
    </>
  );
}

function draftOf(product: Product): Draft {
  return {
    name: product.name,
    basePrice: product.basePrice,
    status: product.status,
    description: product.description,
  };
}

/** The fields of `draft` that differ from `product`: the PATCH body. */
function changes(product: Product, draft: Draft): Partial<Draft> {
  const patch: Partial<Draft> = {};
  for (const field of Object.keys(draft) as (keyof Draft)[])
    if (draft[field] !== product[field]) Object.assign(patch, { [field]: draft[field] });
  return patch;
}
