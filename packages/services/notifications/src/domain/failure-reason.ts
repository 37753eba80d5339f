/** Words for a customer, from the `reasonCode` of an `order.failed` or `order.cancelled` event. */
export function describeReason(reasonCode: string | undefined): string {
  const code = (reasonCode ?? '').toUpperCase();
  if (code.includes('STOCK')) return 'some items are no longer in stock';
  if (code.includes('DECLINED') || code.includes('CARD')) return 'the payment was declined';
  if (code.includes('PAYMENT')) return 'the payment could not be completed';
  if (code.includes('EXPIRED') || code.includes('TIMEOUT')) return 'it took too long to complete';
  return 'something went wrong on our side';
}
