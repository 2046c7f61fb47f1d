//! `--all-regions`: the regions enabled for the account, from
//! account:ListRegions. The Account API's SDK crate is small, unlike EC2's
//! (whose DescribeRegions would add minutes to every clean build).

use anyhow::Context;
use aws_config::SdkConfig;

use super::{describe_sdk_error, paginate, EmptyAnswerGuard, ReadOnlyGuard};

pub(crate) async fn enabled_regions(base: &SdkConfig) -> anyhow::Result<Vec<String>> {
    use aws_sdk_account::types::RegionOptStatus;
    let config = aws_sdk_account::config::Builder::from(base)
        .interceptor(ReadOnlyGuard)
        .interceptor(EmptyAnswerGuard)
        .build();
    let client = aws_sdk_account::Client::from_conf(config);
    let mut pages = paginate(
        client
            .list_regions()
            .region_opt_status_contains(RegionOptStatus::Enabled)
            .region_opt_status_contains(RegionOptStatus::EnabledByDefault)
            .into_paginator()
            .send(),
    );
    let mut regions = Vec::new();
    while let Some(page) = futures::StreamExt::next(&mut pages).await {
        let page = page
            .map_err(|e| anyhow::anyhow!(describe_sdk_error(&e)))
            .context("--all-regions: account:ListRegions failed")?;
        regions.extend(
            page.regions
                .unwrap_or_default()
                .into_iter()
                .filter_map(|r| r.region_name),
        );
    }
    regions.sort();
    if regions.is_empty() {
        anyhow::bail!("--all-regions: account:ListRegions returned no enabled region");
    }
    Ok(regions)
}
