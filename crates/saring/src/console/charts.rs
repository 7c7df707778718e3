//! Charts for the dashboard, drawn on the server as SVG with plotters' SVG backend.
//!
//! The SVG is markup that plotters builds from numbers and from labels this module chooses
//! (days, action and status names, numbers); plotters escapes text it draws. No label comes
//! from content or from a platform's data, so the page can embed the SVG as it is. Each chart
//! also carries a `<title>`-less `aria-label` in the template and a table of its numbers next
//! to it, so nothing is only in the picture.

use anyhow::{Context, Result};
use plotters::prelude::*;

/// Width and height of every chart, in SVG user units (the CSS scales it to the column).
const SIZE: (u32, u32) = (480, 240);

/// The console's colours.
const INK: RGBColor = RGBColor(0x12, 0x34, 0x3b);
const ACCENT: RGBColor = RGBColor(0xc6, 0x28, 0x28);
const MUTED: RGBColor = RGBColor(0x90, 0xa4, 0xae);

/// One bar: its label, its value, and whether it is drawn in the warning colour.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// The label under the bar.
    pub label: String,
    /// The value.
    pub value: f64,
    /// Drawn in the warning colour (failures, reversals).
    pub warn: bool,
}

/// A bar chart of `bars` with a y axis described by `y_desc`.
pub fn bars(bars: &[Bar], y_desc: &str) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).context("fill the chart")?;
        let n = i32::try_from(bars.len()).context("too many bars")?.max(1);
        let top = y_top(bars.iter().map(|b| b.value));
        let mut chart = ChartBuilder::on(&root)
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(44)
            .build_cartesian_2d((0..n - 1).into_segmented(), 0.0..top)
            .context("lay the chart out")?;
        let label = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) => usize::try_from(*i)
                .ok()
                .and_then(|i| bars.get(i))
                .map(|b| b.label.clone())
                .unwrap_or_default(),
            _ => String::new(),
        };
        // Counts: whole-number ticks while the axis is short.
        let y_ticks = if top <= 10.0 { top as usize + 1 } else { 6 };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .y_labels(y_ticks)
            .x_labels(bars.len().max(1))
            .x_label_formatter(&label)
            .y_desc(y_desc)
            .y_label_formatter(&|v| trim_number(*v))
            .axis_desc_style(("sans-serif", 13))
            .label_style(("sans-serif", 12))
            .draw()
            .context("draw the axes")?;
        chart
            .draw_series(bars.iter().zip(0..).map(|(b, i)| {
                let colour = if b.warn { ACCENT } else { INK };
                let mut r = Rectangle::new(
                    [
                        (SegmentValue::Exact(i), 0.0),
                        (SegmentValue::Exact(i + 1), b.value),
                    ],
                    colour.filled(),
                );
                r.set_margin(0, 0, 6, 6);
                r
            }))
            .context("draw the bars")?;
        root.present().context("finish the chart")?;
    }
    Ok(svg)
}

/// A line chart of one value per labelled point (days), with points marked; `None` values
/// (days without data) leave a gap.
pub fn line(points: &[(String, Option<f64>)], y_max: f64, y_desc: &str) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).context("fill the chart")?;
        let n = i32::try_from(points.len())
            .context("too many points")?
            .max(2);
        let mut chart = ChartBuilder::on(&root)
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(44)
            .build_cartesian_2d(0..n - 1, 0.0..y_max)
            .context("lay the chart out")?;
        let label = |i: &i32| {
            usize::try_from(*i)
                .ok()
                .and_then(|i| points.get(i))
                .map(|p| p.0.clone())
                .unwrap_or_default()
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .y_labels(6)
            .x_labels(points.len().clamp(2, 8))
            .x_label_formatter(&label)
            .y_desc(y_desc)
            .y_label_formatter(&|v| trim_number(*v))
            .axis_desc_style(("sans-serif", 13))
            .label_style(("sans-serif", 12))
            .draw()
            .context("draw the axes")?;
        // One line per run of consecutive days with data.
        let mut run: Vec<(i32, f64)> = Vec::new();
        let mut runs = Vec::new();
        for (p, i) in points.iter().zip(0..) {
            match p.1 {
                Some(v) => run.push((i, v)),
                None if !run.is_empty() => runs.push(std::mem::take(&mut run)),
                None => {}
            }
        }
        if !run.is_empty() {
            runs.push(run);
        }
        for r in &runs {
            chart
                .draw_series(LineSeries::new(r.iter().copied(), INK.stroke_width(2)))
                .context("draw the line")?;
            chart
                .draw_series(
                    r.iter()
                        .map(|&(x, y)| Circle::new((x, y), 3, MUTED.filled())),
                )
                .context("draw the points")?;
        }
        root.present().context("finish the chart")?;
    }
    Ok(svg)
}

/// The top of a y axis that fits `values` with some room (at least 1).
fn y_top(values: impl Iterator<Item = f64>) -> f64 {
    let max = values.fold(0.0_f64, f64::max);
    if max <= 0.0 {
        1.0
    } else {
        (max * 1.15).max(1.0)
    }
}

/// `3` rather than `3.0`, `0.25` as is.
fn trim_number(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_chart_is_svg_with_its_labels_and_warning_colour() {
        let svg = bars(
            &[
                Bar {
                    label: "delivered".into(),
                    value: 7.0,
                    warn: false,
                },
                Bar {
                    label: "given_up".into(),
                    value: 2.0,
                    warn: true,
                },
            ],
            "orders",
        )
        .expect("chart");
        assert!(svg.starts_with("<svg"), "{}", &svg[..40.min(svg.len())]);
        assert!(
            svg.contains(">\ndelivered\n<") || svg.contains(">delivered<"),
            "{svg}"
        );
        assert!(svg.contains("given_up"));
        assert!(
            svg.contains("#C62828") || svg.contains("#c62828"),
            "warning bar drawn"
        );
        assert!(!svg.contains("<script"), "no script in charts");
    }

    #[test]
    fn one_bar_and_all_zero_bars_still_draw() {
        // `?days=1` gives a one-bar chart; an empty window gives bars of zero.
        let one = bars(
            &[Bar {
                label: "11-30".into(),
                value: 4.0,
                warn: false,
            }],
            "items",
        )
        .expect("one bar");
        assert!(one.contains("11-30") && !one.contains("NaN"), "{one}");
        let zero = bars(
            &[
                Bar {
                    label: "a".into(),
                    value: 0.0,
                    warn: false,
                },
                Bar {
                    label: "b".into(),
                    value: 0.0,
                    warn: true,
                },
            ],
            "n",
        )
        .expect("zero bars");
        assert!(!zero.contains("NaN"));
    }

    #[test]
    fn line_chart_skips_days_without_data() {
        let pts = vec![
            ("11-01".to_owned(), Some(0.5)),
            ("11-02".to_owned(), None),
            ("11-03".to_owned(), Some(0.25)),
        ];
        let svg = line(&pts, 1.0, "rate").expect("chart");
        assert!(svg.contains("11-01") && svg.contains("11-03"));
        // Two runs of one point each: no polyline joins across the gap.
        assert_eq!(svg.matches("<circle").count(), 2);
    }

    #[test]
    fn numbers_are_trimmed() {
        assert_eq!(trim_number(3.0), "3");
        assert_eq!(trim_number(0.25), "0.25");
        assert!((y_top([0.0].into_iter()) - 1.0).abs() < 1e-9);
    }
}
