import {patch} from "@web/core/utils/patch";
import {ResPartner} from "@point_of_sale/app/models/res_partner";

const DEFAULT_BADGE_COLOR = "#8C8C8C";

/** Relative luminance of a #RRGGBB colour (WCAG 2.1). */
function luminance(hex) {
    const value = /^#?([0-9a-f]{6})$/i.exec(hex || "");
    if (!value) {
        return null;
    }
    const channels = [0, 2, 4].map((i) => parseInt(value[1].slice(i, i + 2), 16) / 255);
    const [r, g, b] = channels.map((c) =>
        c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
    );
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/**
 * Text colour with the better WCAG contrast on ``background``: black or
 * white (钻石 dark blue gets white text, 金卡 yellow gets black).
 */
export function readableTextColor(background) {
    const lum = luminance(background);
    if (lum === null) {
        return "#000000";
    }
    const onWhite = 1.05 / (lum + 0.05);
    const onBlack = (lum + 0.05) / 0.05;
    return onWhite >= onBlack ? "#FFFFFF" : "#000000";
}

/** A tier's badge colour: its own when it is a valid #RRGGBB colour. */
export function tierBadgeColor(tier) {
    const color = tier?.badge_color;
    return luminance(color) === null ? DEFAULT_BADGE_COLOR : color;
}

/**
 * Stylesheet rules of the tier badges: each tier's colour with the more
 * readable text colour, for the badges marked ``data-retail-tier``. Only
 * validated #RRGGBB colours and numeric ids reach the stylesheet.
 */
export function tierBadgeRules(tiers) {
    return tiers
        .filter((tier) => Number.isInteger(tier.id))
        .map((tier) => {
            const color = tierBadgeColor(tier);
            return `.badge.retail-tier-badge[data-retail-tier="${tier.id}"] { background-color: ${color}; color: ${readableTextColor(color)}; }`;
        })
        .join("\n");
}

patch(ResPartner.prototype, {
    get retailTierColor() {
        return tierBadgeColor(this.retail_tier_id);
    },
    /** Progress to the next tier, 0-100. */
    get retailTierProgress() {
        return Math.max(
            0,
            Math.min(100, Math.round(this.retail_next_tier_progress || 0))
        );
    },
});
