import type { SVGProps } from "react";

type IconProps = SVGProps<SVGSVGElement> & { size?: number };

function Svg({ size = 16, children, ...rest }: IconProps) {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 16 16"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.6}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
      {...rest}
    >
      {children}
    </svg>
  );
}

export const CheckIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M3 8.5l3 3 7-7" />
  </Svg>
);

export const DoubleCheckIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M1 8.5l3 3 7-7" />
    <path d="M8 11l.5.5 7-7" />
  </Svg>
);

export const ClockIcon = (p: IconProps) => (
  <Svg {...p}>
    <circle cx="8" cy="8" r="6" />
    <path d="M8 4.5V8l2.5 1.5" />
  </Svg>
);

export const CrossIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M4 4l8 8M12 4l-8 8" />
  </Svg>
);

export const AlertIcon = (p: IconProps) => (
  <Svg {...p}>
    <circle cx="8" cy="8" r="6.5" />
    <path d="M8 4.5v4M8 11.2v.1" />
  </Svg>
);

export const SearchIcon = (p: IconProps) => (
  <Svg {...p}>
    <circle cx="7" cy="7" r="4.5" />
    <path d="M10.5 10.5L14 14" />
  </Svg>
);

export const PaperclipIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M13 7.5l-5.2 5.2a3 3 0 01-4.3-4.2L9 3a2 2 0 012.8 2.8L6.5 11.2a1 1 0 01-1.4-1.4L10 5" />
  </Svg>
);

export const ChatIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M2.5 4.5a2 2 0 012-2h7a2 2 0 012 2v5a2 2 0 01-2 2H7l-3 2.5v-2.5h.5a2 2 0 01-2-2z" />
    <path d="M5.5 6h5M5.5 8.5h3" />
  </Svg>
);

export const SendIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M2.5 8L13.5 2.5 11 13.5 8 9z" />
    <path d="M8 9l5.5-6.5" />
  </Svg>
);

export const InboxIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M2 9l2-6h8l2 6v4H2z" />
    <path d="M2 9h3.5l1 1.5h3l1-1.5H14" />
  </Svg>
);

export const LogoMark = ({ size = 22 }: { size?: number }) => (
  <svg width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
    <path d="M12 5.5c0-2 1.3-3.3 3.5-3.5-.2 2-1.5 3.3-3.5 3.5z" fill="var(--leaf)" />
    <circle cx="8.5" cy="10.5" r="3.5" fill="var(--berry)" />
    <circle cx="15.5" cy="10.5" r="3.5" fill="var(--berry)" />
    <circle cx="12" cy="16.5" r="3.5" fill="var(--berry-deep)" />
    <circle cx="7.5" cy="9.5" r="1" fill="#fff" opacity="0.45" />
  </svg>
);

export const PlusIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M8 3v10M3 8h10" />
  </Svg>
);

export const ProjectsIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M8 2l6 3-6 3-6-3z" />
    <path d="M2 8l6 3 6-3" />
    <path d="M2 11l6 3 6-3" />
  </Svg>
);

/** A plug: a connected channel account. */
export const AccountsIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M6 1.8v3.2M10 1.8v3.2" />
    <path d="M4.2 5h7.6v2.2a3.8 3.8 0 01-7.6 0z" />
    <path d="M8 11v3.2" />
  </Svg>
);

export const BotIcon = (p: IconProps) => (
  <Svg {...p}>
    <rect x="2.5" y="5" width="11" height="8" rx="2" />
    <path d="M8 5V2.5M6 9h.01M10 9h.01" />
  </Svg>
);

export const GroupIcon = (p: IconProps) => (
  <Svg {...p}>
    <circle cx="6" cy="6" r="2.2" />
    <path d="M2 13c.4-2.2 2-3.5 4-3.5s3.6 1.3 4 3.5" />
    <path d="M10.5 4.2a2 2 0 110 3.8M12 9.8c1 .5 1.7 1.6 2 3.2" />
  </Svg>
);

export const SourcesIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M2 4h4l2 4h6M2 12h4l2-4" />
  </Svg>
);

export const NoteIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M3.5 2.5h9v8l-3 3h-6z" />
    <path d="M9.5 13.5v-3h3M5.5 5.5h5M5.5 8h3" />
  </Svg>
);

export const MailIcon = (p: IconProps) => (
  <Svg {...p}>
    <rect x="2" y="3.5" width="12" height="9" rx="1.5" />
    <path d="M2.5 4.5L8 8.5l5.5-4" />
  </Svg>
);

export const DownloadIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M8 2.5v7.5M4.8 7l3.2 3.2L11.2 7" />
    <path d="M3 13h10" />
  </Svg>
);

/** Avito's four dots. */
export const AvitoIcon = (p: IconProps) => (
  <Svg {...p}>
    <circle cx="5" cy="5" r="2.3" />
    <circle cx="11" cy="5" r="1.6" />
    <circle cx="5" cy="11" r="1.6" />
    <circle cx="11" cy="11" r="2.6" />
  </Svg>
);

export const ExternalIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M9.5 2.5h4v4M13.5 2.5L7.5 8.5" />
    <path d="M11.5 9.5v3a1 1 0 01-1 1h-7a1 1 0 01-1-1v-7a1 1 0 011-1h3" />
  </Svg>
);

export const RefreshIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M13 8a5 5 0 11-1.5-3.6" />
    <path d="M13 2.5v2.5h-2.5" />
  </Svg>
);

export const PhotoIcon = (p: IconProps) => (
  <Svg {...p}>
    <rect x="2" y="3" width="12" height="10" rx="1.5" />
    <circle cx="6" cy="6.5" r="1.2" />
    <path d="M2.5 12l3.5-3.5 2.5 2.5 2-2 3 3" />
  </Svg>
);

export const LinkIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M6.8 9.2a2.5 2.5 0 003.5 0l2.3-2.3a2.5 2.5 0 00-3.5-3.5l-.8.8" />
    <path d="M9.2 6.8a2.5 2.5 0 00-3.5 0L3.4 9.1a2.5 2.5 0 003.5 3.5l.8-.8" />
  </Svg>
);

export const MergeIcon = (p: IconProps) => (
  <Svg {...p}>
    <circle cx="4.5" cy="4" r="1.8" />
    <circle cx="11.5" cy="4" r="1.8" />
    <circle cx="8" cy="12.5" r="1.8" />
    <path d="M4.5 5.8c0 2.5 3.5 2.7 3.5 4.9M11.5 5.8c0 2.5-3.5 2.7-3.5 4.9" />
  </Svg>
);

export const SparkIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M7 2l1.2 3.3L11.5 6.5 8.2 7.7 7 11 5.8 7.7 2.5 6.5l3.3-1.2z" />
    <path d="M12 9.5l.6 1.4 1.4.6-1.4.6-.6 1.4-.6-1.4-1.4-.6 1.4-.6z" />
  </Svg>
);

export const ShieldIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M8 1.8l5 1.9v3.9c0 3.1-2.1 5.5-5 6.6-2.9-1.1-5-3.5-5-6.6V3.7z" />
    <path d="M6 8l1.5 1.5L10.5 6.5" />
  </Svg>
);

export const PersonaIcon = (p: IconProps) => (
  <Svg {...p}>
    <circle cx="8" cy="5.5" r="2.7" />
    <path d="M2.8 14c.6-2.6 2.7-4.2 5.2-4.2s4.6 1.6 5.2 4.2" />
  </Svg>
);

export const TableIcon = (p: IconProps) => (
  <Svg {...p}>
    <rect x="2" y="2.5" width="12" height="11" rx="1.5" />
    <path d="M2 6h12M2 9.5h12M6.5 6v7.5" />
  </Svg>
);

export const ChipIcon = (p: IconProps) => (
  <Svg {...p}>
    <rect x="4" y="4" width="8" height="8" rx="1.5" />
    <path d="M6.5 1.5V4M9.5 1.5V4M6.5 12v2.5M9.5 12v2.5M1.5 6.5H4M1.5 9.5H4M12 6.5h2.5M12 9.5h2.5" />
  </Svg>
);

export const GearIcon = (p: IconProps) => (
  <Svg {...p}>
    <circle cx="8" cy="8" r="2.2" />
    <path d="M8 1.5v1.6M8 12.9v1.6M1.5 8h1.6M12.9 8h1.6M3.4 3.4l1.1 1.1M11.5 11.5l1.1 1.1M3.4 12.6l1.1-1.1M11.5 4.5l1.1-1.1" />
    <circle cx="8" cy="8" r="4.6" />
  </Svg>
);

export const ReplyIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M6.5 3.5L2.5 7.5l4 4" />
    <path d="M2.5 7.5h6.5a4.5 4.5 0 0 1 4.5 4.5v1" />
  </Svg>
);

export const ArchiveIcon = (p: IconProps) => (
  <Svg {...p}>
    <rect x="1.5" y="2.5" width="13" height="3.5" rx="1" />
    <path d="M2.8 6v6.5a1 1 0 0 0 1 1h8.4a1 1 0 0 0 1-1V6" />
    <path d="M6.5 9h3" />
  </Svg>
);

export const PulseIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M1.5 8.5h3l1.5-4 3 8 1.5-4h4" />
  </Svg>
);

export const ChartIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M2 2v11.5a.5.5 0 0 0 .5.5H14" />
    <path d="M5 11V8M8 11V5M11 11V7" />
  </Svg>
);

export const KeyIcon = (p: IconProps) => (
  <Svg {...p}>
    <circle cx="5" cy="11" r="3" />
    <path d="M7.2 8.8L14 2M11.5 4.5l2 2M9.5 6.5l1.5 1.5" />
  </Svg>
);

export const KeyboardIcon = (p: IconProps) => (
  <Svg {...p}>
    <rect x="1.5" y="3.5" width="13" height="9" rx="1.6" />
    <path d="M4.2 6.2h.01M6.7 6.2h.01M9.3 6.2h.01M11.8 6.2h.01M4.2 8.3h.01M6.7 8.3h.01M9.3 8.3h.01M11.8 8.3h.01M5.5 10.4h5" />
  </Svg>
);

export const TagIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M2.5 2.5h5l6 6-5 5-6-6z" />
    <circle cx="5.3" cy="5.3" r="0.9" fill="currentColor" stroke="none" />
  </Svg>
);

export const FilterIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M2 3.5h12M4.5 8h7M7 12.5h2" />
  </Svg>
);

export const MoonIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M13 9.8A5.5 5.5 0 0 1 6.2 3 5.5 5.5 0 1 0 13 9.8z" />
  </Svg>
);

export const PencilIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M10.5 2.5l3 3L6 13H3v-3z" />
    <path d="M9 4l3 3" />
  </Svg>
);
