import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { Listing } from "../api";
import { ExternalLink, webAddress } from "./ExternalLink";
import { ExternalIcon, PhotoIcon } from "./Icon";

/** The listing a marketplace conversation is about: its photo, title, price and a link to it. */
export function ListingCard({ listing }: { listing: Listing }) {
  const { t } = useTranslation();
  // A photo that cannot be loaded (offline, removed from Avito) leaves the placeholder.
  const [broken, setBroken] = useState(false);
  const image = listing.imageUrl && !broken ? listing.imageUrl : null;
  const url = webAddress(listing.url);
  return (
    <div className="listing-card" data-testid="listing-card" aria-label={t("listing.label")} role="group">
      <span className="listing-thumb">
        {image ? (
          <img
            src={image}
            alt={t("listing.photo")}
            data-testid="listing-image"
            loading="lazy"
            referrerPolicy="no-referrer"
            onError={() => setBroken(true)}
          />
        ) : (
          <PhotoIcon size={18} />
        )}
      </span>
      <span className="listing-main">
        <span className="listing-title" data-testid="listing-title" title={listing.title}>
          {listing.title}
        </span>
        {listing.price && (
          <span className="listing-price" data-testid="listing-price">
            {listing.price}
          </span>
        )}
      </span>
      {url && (
        <ExternalLink href={url} className="listing-link" testId="listing-link">
          {t("listing.open")}
          <ExternalIcon size={12} />
        </ExternalLink>
      )}
    </div>
  );
}
