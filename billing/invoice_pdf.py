"""An invoice as a PDF (fpdf2, pure Python: no system libraries to install)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from fpdf import FPDF

from .emails import idr_format
from .models import Invoice


def _latin1(text: object) -> str:
    # The PDF's core font (Helvetica) speaks Latin-1; anything else prints as "?".
    return str(text or "").encode("latin-1", errors="replace").decode("latin-1")


def invoice_pdf_render(*, invoice: Invoice, language: str = "en") -> bytes:
    with override(language):
        pdf = FPDF(format="A4")
        pdf.set_title(invoice.number)
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 18)
        pdf.cell(0, 10, _latin1(_("Invoice %(number)s") % {"number": invoice.number}), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=10)
        issued = timezone.localtime(invoice.issued_at)
        pdf.cell(0, 6, _latin1(_("Issued: %(date)s") % {"date": f"{issued:%Y-%m-%d}"}), new_x="LMARGIN", new_y="NEXT")
        pdf.cell(
            0, 6, _latin1(_("Order: %(order)s") % {"order": invoice.order.order_id}), new_x="LMARGIN", new_y="NEXT"
        )
        pdf.ln(4)
        for heading, party in ((_("Seller"), invoice.seller), (_("Buyer"), invoice.buyer)):
            pdf.set_font("Helvetica", "B", 11)
            pdf.cell(0, 6, _latin1(heading), new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", size=10)
            pdf.multi_cell(0, 5, _latin1(party.get("name")), new_x="LMARGIN", new_y="NEXT")
            if party.get("tax_id"):
                pdf.cell(0, 5, _latin1(f"NPWP: {party['tax_id']}"), new_x="LMARGIN", new_y="NEXT")
            if party.get("address"):
                pdf.multi_cell(0, 5, _latin1(party["address"]), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(110, 7, _latin1(_("Description")), border=1)
        pdf.cell(20, 7, _latin1(_("Qty")), border=1, align="R")
        pdf.cell(0, 7, _latin1(_("Amount")), border=1, align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=10)
        for line in invoice.lines:
            pdf.cell(110, 7, _latin1(line["description"])[:70], border=1)
            pdf.cell(20, 7, str(line["quantity"]), border=1, align="R")
            pdf.cell(
                0, 7, _latin1(idr_format(line["amount"], language)), border=1, align="R", new_x="LMARGIN", new_y="NEXT"
            )
        rate = f"{invoice.ppn_rate.normalize():f}"
        for label, amount, bold in (
            (_("Subtotal (before PPN)"), invoice.subtotal, False),
            (_("PPN %(rate)s%%") % {"rate": rate}, invoice.ppn, False),
            (_("Total"), invoice.total, True),
        ):
            pdf.set_font("Helvetica", "B" if bold else "", 10)
            pdf.cell(130, 7, _latin1(label), align="R")
            pdf.cell(0, 7, _latin1(idr_format(amount, language)), align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        pdf.set_font("Helvetica", size=8)
        pdf.multi_cell(0, 4, _latin1(_("Prices include PPN. Amounts in Indonesian rupiah (IDR).")))
        return bytes(pdf.output())
