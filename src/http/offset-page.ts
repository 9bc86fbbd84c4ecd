// LangGraph's lists page by limit and offset; the use cases page by position
// (AIP-158 tokens). Read pages until offset + limit rows are in hand (each
// page no larger than what is still missing, at most 200, the contract's
// bound), then cut the window out.

const MAX_PAGE = 200;

export async function offsetWindow<T>(limit: number, offset: number, page: (pageSize: number, pageToken: string) => Promise<{ rows: T[]; nextPageToken: string }>): Promise<T[]> {
  const out: T[] = [];
  let pageToken = "";
  do {
    const next = await page(Math.min(MAX_PAGE, offset + limit - out.length), pageToken);
    out.push(...next.rows);
    pageToken = next.nextPageToken;
  } while (pageToken !== "" && out.length < offset + limit);
  return out.slice(offset, offset + limit);
}
