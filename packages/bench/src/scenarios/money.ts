import { randomBytes } from 'node:crypto';
import {
  CreateTableCommand,
  DeleteTableCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { Decimal128, Double } from 'mongodb';
import { Decimal } from '@polyshop/kernel';
import { openDynamo, openMongo, openOpenSearch, openPostgres } from '@polyshop/stores';
import { startBenchPlatform } from '../http-session.ts';
import type { BenchTarget, ResultTable, Scenario, ScenarioResult } from '../scenario.ts';
import { seedProducts, Storefront } from '../storefront.ts';

const SCENARIO = 'money';

/** The seed's two sums: its payment (`{amount: 19.99, tax: 1.60, total: 21.59}`) and its `0.1 + 0.2`. */
const SUMS = [
  { a: '19.99', b: '1.60', expected: '21.59' },
  { a: '0.10', b: '0.20', expected: '0.30' },
] as const;

type Sum = (typeof SUMS)[number];

/** One line of the table: a sum through one stored type. */
interface MoneyRow {
  stored: string;
  sum: Sum;
  /** What the client reads back: a decimal string, or a JS number. */
  got: string | number | Error;
  /** polyshop's own path (a wrong answer fails the run), or a type shown for contrast. */
  polyshop: boolean;
}

/** The exact value a JS number holds (its binary expansion; 100 digits cover these magnitudes). */
export function held(value: string | number): Decimal {
  return typeof value === 'number' ? new Decimal(value.toPrecision(100)) : new Decimal(value);
}

function tableOf(rows: readonly MoneyRow[], where: string): ResultTable {
  return {
    title: `money through ${where}'s stored types (no timing)`,
    columns: ['stored as', 'sum', 'expected', 'read back', 'reads right', 'held exactly', 'path'],
    rows: rows.map(({ stored, sum, got, polyshop }) => {
      const path = polyshop ? 'polyshop' : 'contrast';
      if (got instanceof Error) {
        return [stored, `${sum.a} + ${sum.b}`, sum.expected, `error: ${got.message}`, 'no', 'no', path];
      }
      const readsRight = new Decimal(String(got)).equals(sum.expected);
      const exact = held(got).equals(sum.expected);
      const shown =
        typeof got === 'number' && !exact
          ? `${got} (a double: ${got.toPrecision(20)}…)`
          : `${typeof got === 'number' ? '' : '"'}${got}${typeof got === 'number' ? '' : '"'}`;
      return [
        stored,
        `${sum.a} + ${sum.b}`,
        sum.expected,
        shown,
        readsRight ? 'yes' : 'NO',
        exact ? 'yes' : 'NO',
        path,
      ];
    }),
  };
}

/** polyshop rows that read back wrong or are not held exactly: what fails the run. */
function wrong(rows: readonly MoneyRow[]): number {
  return rows.filter(
    ({ polyshop, got, sum }) => polyshop && (got instanceof Error || !held(got).equals(sum.expected)),
  ).length;
}

const attempt = async <T>(work: () => Promise<T>): Promise<T | Error> =>
  work().catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));

/**
 * polyshop's own path: two products priced `a` and `b` (the catalog's stored type), one unit of each
 * checked out, and the order's `subtotal` read back (Money arithmetic, the orders table's numeric).
 */
async function checkoutSubtotals(target: BenchTarget, env: Record<string, string>, stored: string) {
  const bench = await startBenchPlatform({
    services: ['users', 'products', 'inventory', 'payments', 'orders'],
    databaseUrl: target.databaseUrl,
    env,
  });
  const shop = new Storefront(bench);
  try {
    const [customer] = await shop.signUp(1);
    const rows: MoneyRow[] = [];
    for (const sum of SUMS) {
      const skus = [sum.a, sum.b].map((_, i) => `MONEY-${randomBytes(4).toString('hex')}-${i}`);
      await seedProducts(bench, [skus[0]!], 10, sum.a);
      await seedProducts(bench, [skus[1]!], 10, sum.b);
      const got = await attempt(async () => {
        const order = await shop.checkout(customer!, skus);
        if (!order) throw new Error('the checkout was refused');
        const final = (await shop.finalOrder(customer!, order)) as { status: string; subtotal?: string };
        if (final.subtotal === undefined)
          throw new Error(`the order ended ${final.status} without a subtotal`);
        return final.subtotal;
      });
      rows.push({ stored, sum, got, polyshop: true });
    }
    return rows;
  } finally {
    shop.close();
    await bench.close();
  }
}

/** PostgreSQL (or PGlite): `numeric` beside `double precision`, each summed by the database. */
async function onPostgres(target: BenchTarget): Promise<MoneyRow[]> {
  const db = await openPostgres({ url: target.databaseUrl });
  const rows: MoneyRow[] = [];
  try {
    await db.exec(`CREATE SCHEMA IF NOT EXISTS bench;
      CREATE TABLE bench.money (id int PRIMARY KEY, a numeric(12,2), b numeric(12,2), fa double precision, fb double precision)`);
    for (const [id, sum] of SUMS.entries()) {
      await db.query('INSERT INTO bench.money VALUES ($1, $2, $3, $4, $5)', [
        id,
        sum.a,
        sum.b,
        Number(sum.a),
        Number(sum.b),
      ]);
      const [row] = await db.query<{ exact: string; float: number }>(
        'SELECT a + b AS exact, fa + fb AS float FROM bench.money WHERE id = $1',
        [id],
      );
      rows.push(
        { stored: 'numeric(12,2), a + b in SQL', sum, got: row!.exact, polyshop: true },
        { stored: 'double precision, a + b in SQL', sum, got: row!.float, polyshop: false },
      );
    }
    await db.exec('DROP TABLE bench.money');
  } finally {
    await db.close();
  }
  const where = target.name === 'pglite' ? 'PGlite' : 'PostgreSQL';
  const checkout = await checkoutSubtotals(
    target,
    {},
    `polyshop checkout: prices in ${where} numeric, Money sum, order subtotal numeric`,
  );
  return [...rows, ...checkout];
}

/** MongoDB: `Decimal128` beside a plain double, each summed by the server (`$add`). */
async function onMongo(target: BenchTarget): Promise<MoneyRow[]> {
  const database = `bench_money_${randomBytes(4).toString('hex')}`;
  const mongo = await openMongo({ url: target.serverUrl!, database });
  const rows: MoneyRow[] = [];
  try {
    const sums = mongo.db.collection('sums');
    for (const [id, sum] of SUMS.entries()) {
      await sums.insertOne({
        _id: id as never,
        a: Decimal128.fromString(sum.a),
        b: Decimal128.fromString(sum.b),
        fa: new Double(Number(sum.a)),
        fb: new Double(Number(sum.b)),
      });
      const read = (field: 'exact' | 'float') =>
        attempt(async () => {
          const [doc] = await sums
            .aggregate<{ exact: Decimal128; float: number }>([
              { $match: { _id: id } },
              { $project: { exact: { $add: ['$a', '$b'] }, float: { $add: ['$fa', '$fb'] } } },
            ])
            .toArray();
          const value = doc?.[field];
          return value instanceof Decimal128 ? value.toString() : (value as number);
        });
      rows.push(
        { stored: 'Decimal128, $add on the server', sum, got: await read('exact'), polyshop: false },
        { stored: 'double, $add on the server', sum, got: await read('float'), polyshop: false },
      );
    }
  } finally {
    await mongo.db.dropDatabase().catch(() => undefined);
    await mongo.close();
  }
  const url = new URL(target.serverUrl!);
  url.pathname = `/${database}_shop`;
  const checkout = await checkoutSubtotals(
    target,
    { PRODUCT_STORE: 'mongodb', MONGODB_URL: url.toString() },
    'polyshop checkout: prices in MongoDB Decimal128, Money sum, order subtotal numeric',
  );
  const client = await openMongo({ url: url.toString() });
  await client.db.dropDatabase().catch(() => undefined);
  await client.close();
  return [...rows, ...checkout];
}

/**
 * DynamoDB: a number attribute is a decimal string on the wire (`{"N": "19.99"}`, up to 38 digits);
 * summed by the server (`SET #t = #a + #b`), read back as that string, or unmarshalled into a JS
 * number (the document client's default); beside it the JS float sum written as a number.
 */
async function onDynamo(target: BenchTarget): Promise<MoneyRow[]> {
  const connection = openDynamo({ endpoint: target.serverUrl });
  const TableName = `bench-${randomBytes(4).toString('hex')}-money`;
  const rows: MoneyRow[] = [];
  try {
    await connection.client.send(
      new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'PK', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'PK', KeyType: 'HASH' }],
      }),
    );
    for (const [id, sum] of SUMS.entries()) {
      const PK = `SUM#${id}`;
      await connection.client.send(
        new PutItemCommand({ TableName, Item: { PK: { S: PK }, a: { N: sum.a }, b: { N: sum.b } } }),
      );
      const exact = await attempt(async () => {
        await connection.client.send(
          new UpdateItemCommand({
            TableName,
            Key: { PK: { S: PK } },
            UpdateExpression: 'SET #t = #a + #b',
            ExpressionAttributeNames: { '#t': 'total', '#a': 'a', '#b': 'b' },
          }),
        );
        const { Item } = await connection.client.send(
          new GetItemCommand({ TableName, Key: { PK: { S: PK } } }),
        );
        return Item!.total!.N!;
      });
      const asNumber = await attempt(async () => {
        const { Item } = await connection.documents.send(new GetCommand({ TableName, Key: { PK } }));
        return Item!.total as number;
      });
      const floatSum = await attempt(async () => {
        const key = `${PK}#FLOAT`;
        const total = Number(sum.a) + Number(sum.b);
        await connection.documents.send(new PutCommand({ TableName, Item: { PK: key, total } }));
        const { Item } = await connection.client.send(
          new GetItemCommand({ TableName, Key: { PK: { S: key } } }),
        );
        return Item!.total!.N!;
      });
      rows.push(
        { stored: 'number, + on the server, read as its string', sum, got: exact, polyshop: false },
        { stored: 'number, + on the server, read into a JS number', sum, got: asNumber, polyshop: false },
        { stored: 'number, the JS float sum written', sum, got: floatSum, polyshop: false },
      );
    }
  } finally {
    await connection.client.send(new DeleteTableCommand({ TableName })).catch(() => undefined);
    connection.close();
  }
  return rows;
}

/**
 * OpenSearch: the types a search index may give a price, summed by a `sum` aggregation — polyshop's
 * `price_scaled` (a `long` of units of 10^-4, its mapping), `scaled_float` (factor 100) and `double` —
 * and polyshop's `keyword` copy of the decimal string, read back from `_source` and added by the client.
 */
async function onOpenSearch(target: BenchTarget): Promise<MoneyRow[]> {
  const connection = openOpenSearch({ url: target.serverUrl! });
  const index = `bench-money-${randomBytes(4).toString('hex')}`;
  const rows: MoneyRow[] = [];
  const SCALE = new Decimal(10).pow(4);
  try {
    await connection.client.indices.create({
      index,
      body: {
        mappings: {
          properties: {
            sum: { type: 'keyword' },
            price: { type: 'keyword', index: false },
            price_scaled: { type: 'long' },
            scaled_float: { type: 'scaled_float', scaling_factor: 100 },
            double: { type: 'double' },
          },
        },
      },
    });
    for (const [id, sum] of SUMS.entries()) {
      for (const value of [sum.a, sum.b]) {
        await connection.client.index({
          index,
          body: {
            sum: String(id),
            price: value,
            price_scaled: new Decimal(value).times(SCALE).toFixed(),
            scaled_float: Number(value),
            double: Number(value),
          },
        });
      }
    }
    await connection.client.indices.refresh({ index });
    for (const [id, sum] of SUMS.entries()) {
      const { body } = await connection.client.search({
        index,
        body: {
          size: 2,
          query: { term: { sum: String(id) } },
          aggs: {
            price_scaled: { sum: { field: 'price_scaled' } },
            scaled_float: { sum: { field: 'scaled_float' } },
            double: { sum: { field: 'double' } },
          },
        },
      });
      const aggs = body.aggregations as Record<string, { value: number }>;
      const sources = body.hits.hits.map((hit) => (hit._source as { price: string }).price);
      rows.push(
        {
          stored: 'keyword (the hit shows it), added by the client with Decimal',
          sum,
          got: sources.reduce((total, price) => total.plus(price), new Decimal(0)).toFixed(2),
          polyshop: true,
        },
        {
          stored: 'long price_scaled (×10^4), sum aggregation ÷ 10^4',
          sum,
          got: new Decimal(aggs.price_scaled!.value).div(SCALE).toFixed(),
          polyshop: true,
        },
        {
          stored: 'scaled_float (factor 100), sum aggregation',
          sum,
          got: aggs.scaled_float!.value,
          polyshop: false,
        },
        { stored: 'double, sum aggregation', sum, got: aggs.double!.value, polyshop: false },
      );
    }
  } finally {
    await connection.client.indices.delete({ index }).catch(() => undefined);
    await connection.close();
  }
  return rows;
}

const STORES = {
  pglite: { where: 'PGlite', rows: onPostgres },
  postgres: { where: 'PostgreSQL', rows: onPostgres },
  mongodb: { where: 'MongoDB (mongo-java-server, a stand-in)', rows: onMongo },
  dynamodb: { where: 'DynamoDB (moto, a stand-in)', rows: onDynamo },
  opensearch: { where: 'OpenSearch', rows: onOpenSearch },
} as const;

/**
 * `money`: the seed's `19.99 + 1.60` and `0.1 + 0.2`, written and read back through each store's stored
 * type — and through polyshop's own path (a checkout's subtotal with the catalog on that store; the
 * search index's price fields). A correctness table, no timing; a polyshop row that is not exact
 * (`moneyWrong`) fails the run.
 */
async function runMoney(target: BenchTarget): Promise<ScenarioResult> {
  const store = STORES[target.name];
  const rows = await store.rows(target);
  return {
    scenario: SCENARIO,
    target: target.name,
    comparisons: [],
    tables: [tableOf(rows, store.where)],
    checks: { moneyWrong: wrong(rows), polyshopRows: rows.filter((row) => row.polyshop).length },
  };
}

export const money: Scenario = {
  name: SCENARIO,
  summary:
    '19.99 + 1.60 and 0.1 + 0.2 through each store’s stored type and polyshop’s own path (correctness)',
  targets: ['pglite', 'postgres', 'mongodb', 'dynamodb', 'opensearch'],
  run: runMoney,
};
