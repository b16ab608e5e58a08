/**
 * `GET /v1/customers/{customer-id}/deviceBatches` through the proxy: the customer's device batches, with the
 * same caller auth, rate limit and customer allow-list as a status read. The read path only: uploads are
 * App+User in Partner Center and go there with the operator's own sign-in, never with the proxy's app credentials.
 */
import type { RequestHandler } from 'express';
import { isGuid, type BatchStatusClient } from '@batchwatch/client';
import { errorFromResponse } from '@batchwatch/client/internal';
import type { AppContext } from '../context.js';
import { locals } from '../context.js';
import { ProxyError } from '../faults.js';
import { admit } from './guards.js';

export const BATCHES_ROUTE = '/v1/customers/:customerId/deviceBatches';

export function listDeviceBatches(ctx: AppContext, client: BatchStatusClient): RequestHandler {
  return async (req, res) => {
    const request = locals(res);
    request.route = BATCHES_ROUTE;
    const { customerId } = req.params as { customerId?: string };
    if (!isGuid(customerId)) throw new ProxyError(400, 'BadRequest', 'customer-id must be a GUID (8-4-4-4-12 hexadecimal)');
    await admit(ctx, req, res, { customerId, trackingId: customerId });
    const { data, error, response } = await client.api.GET('/v1/customers/{customer-id}/deviceBatches', {
      params: { path: { 'customer-id': customerId }, header: { 'MS-RequestId': request.requestId, 'MS-CorrelationId': request.correlationId } },
    });
    if (!response.ok || data === undefined) throw errorFromResponse(response, error);
    res.setHeader('Cache-Control', 'private, no-store');
    res.status(200).json(data);
  };
}
