//! Pagination and bounded concurrency: list pages feed the per-resource
//! calls lazily through [`fetch_each`].

use std::future::Future;

use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures::{Stream, StreamExt};

use super::collector::Collected;
use super::error::describe_sdk_error;
use crate::scan_error::ScanError;

/// Adapts an SDK pagination stream (which is not a `futures::Stream`) so that
/// list pages can feed per-resource calls lazily.
pub(crate) fn paginate<T>(
    mut pages: aws_smithy_async::future::pagination_stream::PaginationStream<T>,
) -> impl Stream<Item = T> {
    futures::stream::poll_fn(move |cx| pages.poll_next(cx))
}

/// Flattens list pages into their items; a page error becomes one `Err` item
/// carrying the reason, which [`fetch_each`] turns into a listing failure.
pub(crate) fn list_items<P, E, R, T, I>(
    pages: aws_smithy_async::future::pagination_stream::PaginationStream<
        Result<P, aws_smithy_runtime_api::client::result::SdkError<E, R>>,
    >,
    items_of: impl Fn(P) -> I,
) -> impl Stream<Item = Result<T, String>>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
    I: IntoIterator<Item = T>,
{
    paginate(pages).flat_map(move |page| {
        let items: Vec<Result<T, String>> = match page {
            Ok(page) => items_of(page).into_iter().map(Ok).collect(),
            Err(err) => vec![Err(describe_sdk_error(&err))],
        };
        futures::stream::iter(items)
    })
}

/// Pages through an operation the SDK has no paginator for: `fetch` gets the
/// previous page's `NextToken` and returns a page's items and the next token.
/// A failed page yields one `Err` and ends the listing.
pub(crate) fn token_pages<T, F, Fut>(fetch: F) -> impl Stream<Item = Result<T, String>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), String>>,
{
    // State: the token to ask with, or `None` once the last page was read.
    futures::stream::unfold((Some(None), fetch), |(token, mut fetch)| async move {
        let token = token?;
        let (items, next): (Vec<Result<T, String>>, _) = match fetch(token).await {
            Ok((items, next)) => (
                items.into_iter().map(Ok).collect(),
                next.filter(|t| !t.is_empty()).map(Some),
            ),
            Err(reason) => (vec![Err(reason)], None),
        };
        Some((futures::stream::iter(items), (next, fetch)))
    })
    .flatten()
}

/// Runs `fetch` for every item a listing yields, at most `concurrency` at once,
/// pulling further list pages only as fetches complete. A listing error ends the
/// listing (the SDK has already retried it) and is reported, not swallowed.
pub(crate) async fn fetch_each<T, S, F, Fut>(
    listing: S,
    concurrency: usize,
    on_list_error: impl Fn(String) -> ScanError,
    fetch: F,
) -> Vec<Collected>
where
    S: Stream<Item = Result<T, String>>,
    F: Fn(T) -> Fut,
    Fut: Future,
    Fut::Output: Into<Vec<Collected>>,
{
    let (batches, listing_error) = fetch_all(listing, concurrency, |item| {
        let fetched = fetch(item);
        async move { fetched.await.into() }
    })
    .await;
    let mut out: Vec<Collected> = batches.into_iter().flatten().collect();
    if let Some(reason) = listing_error {
        out.push(Collected::ListingFailed(on_list_error(reason)));
    }
    out
}

/// [`fetch_each`] for any output (the wiring's source kinds): every fetch's
/// output, and the reason the listing stopped early, if it did.
pub(crate) async fn fetch_all<T, O, S, F, Fut>(
    listing: S,
    concurrency: usize,
    fetch: F,
) -> (Vec<O>, Option<String>)
where
    S: Stream<Item = Result<T, String>>,
    F: Fn(T) -> Fut,
    Fut: Future<Output = O>,
{
    let mut listing_error = None;
    let items = listing
        .take_while(|item| {
            let keep = match item {
                Ok(_) => true,
                Err(reason) => {
                    listing_error = Some(reason.clone());
                    false
                }
            };
            std::future::ready(keep)
        })
        .filter_map(|item| std::future::ready(item.ok()));
    let outputs: Vec<O> = items
        .map(fetch)
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    (outputs, listing_error)
}
