/**
 * A typed wrapper over the official SDK (`@mailchimp/mailchimp_marketing` 3.0.80). Its @types are incomplete
 * (no `status`/`since_last_changed` options, no basePath, calls typed as resolving to errors), so we declare
 * the little we use ourselves and validate every body with zod (schemas.ts).
 */

/** What superagent hands back: `body` is parsed JSON (or {} for non-JSON), `text` the raw body. */
export interface SdkResponse {
  status: number;
  body?: unknown;
  text?: string;
  type?: string;
}

export interface SdkResult {
  data: unknown;
  response: SdkResponse;
}

/**
 * Query options are passed in snake_case on purpose: the SDK reads each one as `opts.camel ? opts.camel :
 * opts.snake`, so a falsy camelCase value (offset 0, vipOnly false) would silently be dropped.
 */
export type SdkQuery = Record<string, string | number | string[] | undefined>;

export interface SdkListsApi {
  getAllListsWithHttpInfo(opts: SdkQuery): Promise<SdkResult>;
  getListWithHttpInfo(listId: string, opts: SdkQuery): Promise<SdkResult>;
  getListMergeFieldsWithHttpInfo(listId: string, opts: SdkQuery): Promise<SdkResult>;
  getListMembersInfoWithHttpInfo(listId: string, opts: SdkQuery): Promise<SdkResult>;
  listSegmentsWithHttpInfo(listId: string, opts: SdkQuery): Promise<SdkResult>;
  getSegmentMembersListWithHttpInfo(listId: string, segmentId: string, opts: SdkQuery): Promise<SdkResult>;
}

interface SdkApiClient {
  basePath: string;
  timeout: number;
  setConfig(config: { apiKey: string }): void;
}

// Deep imports of the CommonJS SDK; held in variables so TypeScript does not look for declarations we replace
// with the interfaces above.
const API_CLIENT_MODULE = '@mailchimp/mailchimp_marketing/src/ApiClient.js';
const LISTS_API_MODULE = '@mailchimp/mailchimp_marketing/src/api/ListsApi.js';

/**
 * The lists API bound to a fresh ApiClient for one account. Never the module's singleton: setConfig on it
 * would change every other user of the SDK in the process.
 */
export async function createSdkListsApi(options: {
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
}): Promise<SdkListsApi> {
  const { default: ApiClient } = (await import(API_CLIENT_MODULE)) as { default: new () => SdkApiClient };
  const { default: ListsApi } = (await import(LISTS_API_MODULE)) as {
    default: new (client: SdkApiClient) => SdkListsApi;
  };
  const client = new ApiClient();
  client.basePath = options.baseUrl.replace(/\/+$/, '');
  // No `server`: the SDK would replace the first "server" anywhere in the URL with it
  // (https://github.com/mailchimp/mailchimp-client-lib-codegen/issues/16).
  client.setConfig({ apiKey: options.apiKey });
  client.timeout = options.timeoutMs;
  return new ListsApi(client);
}
