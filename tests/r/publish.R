# The official R client, gofigR, used as an R user would, against a figtrail server: run by
# tests/r/test_gofigr.py with GF_URL, GF_API_KEY and GF_WORKSPACE set and a `.gofigr` file in the working
# folder (gofigR reads the variables only then). Writes what it published as JSON to the path it is given.
suppressPackageStartupMessages({
  library(gofigR)
  library(ggplot2)
})
out <- commandArgs(trailingOnly = TRUE)[1]
published <- list()

gofigR::enable(analysis_name = "R compatibility", watermark = gofigR::QR_WATERMARK)

# 1. a ggplot, by name, with its data frame
p <- ggplot(mtcars, aes(x = wt, y = mpg)) + geom_point() + ggtitle("Weight and mileage")
rev <- publish(p, figure_name = "Weight and mileage", data = mtcars, show = FALSE)
published$ggplot <- rev$api_id

# 2. base graphics, captured from an expression
rev <- publish({
  plot(pressure, main = "Pressure vs temperature")
  text(200, 50, "Note the non-linear relationship")
}, figure_name = "Pressure vs temperature", show = FALSE)
published$base <- rev$api_id

# 3. a data file tracked as an asset, then a figure drawn from it (the revision links the asset)
write.csv(iris, "iris.csv", row.names = FALSE)
asset <- gofigR::sync_file("iris.csv")
flowers <- read.csv("iris.csv")
rev <- publish(ggplot(flowers, aes(Sepal.Length, Petal.Length)) + geom_point() + ggtitle("Iris"),
               figure_name = "Iris from a file", show = FALSE)
published$asset_figure <- rev$api_id

# 4. a clean-room figure: its parameters, source and data go with it
reproducible(function(
    bins = slider(20L, min = 5L, max = 50L, step = 5L),
    fill_color = dropdown("steelblue", choices = c("steelblue", "coral")),
    show_density = checkbox(TRUE),
    title = text_input("Distribution of MPG"),
    data = static(mtcars)
  ) {
    p <- ggplot(data, aes(x = mpg)) +
      geom_histogram(bins = bins, fill = fill_color, color = "white") +
      labs(title = title)
    rev <- publish(p, figure_name = "MPG Distribution", show = FALSE)
    assign("clean_room_revision", rev$api_id, envir = globalenv())
  },
  packages = c("ggplot2")
)
published$clean_room <- get("clean_room_revision", envir = globalenv())

# 5. the same figure again: a second revision of it
rev <- publish(p + ggtitle("Weight and mileage, again"), figure_name = "Weight and mileage", show = FALSE)
published$second <- rev$api_id

# 6. auto-assign: no figure named; the server puts the revision in a figure of the analysis itself
rev <- publish(ggplot(mtcars, aes(x = hp, y = qsec)) + geom_point() + ggtitle("Power and speed"),
               auto_assign = TRUE, show = FALSE)
published$auto_assigned <- rev$api_id

writeLines(jsonlite::toJSON(published, auto_unbox = TRUE), out)
