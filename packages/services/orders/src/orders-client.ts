import { AppError, isUuid } from '@polyshop/kernel';
import { ServiceHttpClient, type InternalClientOptions } from '@polyshop/http';
import type { OrderRepository } from './ports/order-repository.ts';
import { toOrderView, type OrderView } from './app/orders-views.ts';

/** The order service as other services see it, in-process or over HTTP with the same behaviour. */
export interface OrdersClient {
  /** The order by id, or `undefined` when there is none. */
  findOrder(id: string): Promise<OrderView | undefined>;
}

/** The in-process client, straight from the repository. */
export function localOrdersClient(repository: OrderRepository): OrdersClient {
  return {
    async findOrder(id) {
      const order = isUuid(id) ? await repository.findById(id.toLowerCase()) : undefined;
      return order ? toOrderView(order) : undefined;
    },
  };
}

/** `OrdersClient` over HTTP (multi-process mode), authenticated with `POLYSHOP_INTERNAL_TOKEN`. */
export class OrdersHttpClient implements OrdersClient {
  readonly #http: ServiceHttpClient;

  constructor(baseUrl: string, options: InternalClientOptions = {}) {
    this.#http = ServiceHttpClient.internal(baseUrl, options);
  }

  async findOrder(id: string): Promise<OrderView | undefined> {
    try {
      return await this.#http.request<OrderView>({ path: `/orders/${encodeURIComponent(id)}` });
    } catch (error) {
      if (error instanceof AppError && error.kind === 'not_found') return undefined;
      throw error;
    }
  }
}
